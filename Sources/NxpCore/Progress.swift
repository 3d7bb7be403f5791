import Foundation

/// Progress of one long computation (record's batches, explain's neurons), reported to whichever
/// sink the front end installed: a terminal bar, or nothing in tests.
public final class ProgressTask: @unchecked Sendable {
  public let title: String
  public let unit: String
  public let total: Int
  public private(set) var done: Int
  public let started: Date
  /// Work already done before this run began (resumed from a checkpoint): excluded from the rate.
  public let resumedFrom: Int
  private let lock = NSLock()

  public init(title: String, total: Int, unit: String, resumedFrom: Int = 0) {
    self.title = title
    self.total = total
    self.unit = unit
    self.done = resumedFrom
    self.resumedFrom = resumedFrom
    self.started = Date()
    ProgressCenter.sink?.started(self)
  }

  public func advance(by n: Int) {
    lock.lock()
    done += n
    lock.unlock()
    ProgressCenter.sink?.updated(self)
  }

  public func finish() { ProgressCenter.sink?.finished(self) }

  /// Units per second in this run.
  public var rate: Double {
    let elapsed = Date().timeIntervalSince(started)
    return elapsed > 0 ? Double(done - resumedFrom) / elapsed : 0
  }

  /// Estimated seconds left, or nil before there is a rate.
  public var secondsLeft: Double? {
    let r = rate
    return r > 0 ? Double(total - done) / r : nil
  }
}

public protocol ProgressSink: AnyObject {
  func started(_ task: ProgressTask)
  func updated(_ task: ProgressTask)
  func finished(_ task: ProgressTask)
}

public enum ProgressCenter {
  nonisolated(unsafe) public static var sink: ProgressSink?
}

/// A one-line bar on stderr, redrawn at most ten times a second:
/// `record  [#########.........]  41%  1210/2944 excerpts  652.1 tokens/s  0:07 left`
public final class TerminalProgressBar: ProgressSink {
  private var lastDraw = Date.distantPast
  private let lock = NSLock()
  /// Extra rate shown beside the unit rate, e.g. tokens per excerpt.
  public var secondaryRate: [String: (unit: String, factor: Double)] = [:]

  public init() {}

  public func started(_ task: ProgressTask) { draw(task, force: true) }
  public func updated(_ task: ProgressTask) { draw(task, force: false) }
  public func finished(_ task: ProgressTask) {
    draw(task, force: true)
    FileHandle.standardError.write(Data("\n".utf8))
  }

  private func draw(_ task: ProgressTask, force: Bool) {
    lock.lock()
    defer { lock.unlock() }
    let now = Date()
    guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
    lastDraw = now
    let fraction = task.total > 0 ? min(1, Double(task.done) / Double(task.total)) : 1
    let width = 24
    let filled = Int(fraction * Double(width))
    var line = "\r\u{1B}[2K\(task.title)  [" + String(repeating: "#", count: filled)
    line += String(repeating: ".", count: width - filled) + "]"
    line += String(format: " %3d%%  %d/%d %@", Int(fraction * 100), task.done, task.total, task.unit)
    if let extra = secondaryRate[task.title] {
      line += String(format: "  %.1f %@/s", task.rate * extra.factor, extra.unit)
    } else {
      line += String(format: "  %.1f %@/s", task.rate, task.unit)
    }
    if let left = task.secondsLeft, task.done < task.total {
      line += "  " + formatDuration(left) + " left"
    }
    FileHandle.standardError.write(Data(line.utf8))
  }
}

/// `m:ss` or `h:mm:ss`.
public func formatDuration(_ seconds: Double) -> String {
  let s = Int(seconds.rounded())
  if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
  return String(format: "%d:%02d", s / 60, s % 60)
}
