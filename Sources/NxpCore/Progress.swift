import Foundation

/// Progress of one long computation (record's batches, explain's neurons), reported to the sink
/// the front end gave the run: a terminal bar, or nothing in tests.
public final class ProgressTask: @unchecked Sendable {
  public let title: String
  public let unit: String
  public let total: Int
  public private(set) var done: Int
  public let started: Date
  /// Work already done before this run began (resumed from a checkpoint): excluded from the rate.
  public let resumedFrom: Int
  /// A second rate shown beside the unit rate, e.g. tokens/s beside excerpts/s.
  public let secondary: SecondaryRate?
  private let sink: ProgressSink?
  private let lock = NSLock()

  public init(title: String, total: Int, unit: String, resumedFrom: Int = 0, secondary: SecondaryRate? = nil, sink: ProgressSink? = nil) {
    self.title = title
    self.total = total
    self.unit = unit
    self.done = resumedFrom
    self.resumedFrom = resumedFrom
    self.secondary = secondary
    self.sink = sink
    self.started = Date()
    sink?.started(self)
  }

  public func advance(by n: Int) {
    lock.lock()
    done += n
    lock.unlock()
    sink?.updated(self)
  }

  public func finish() { sink?.finished(self) }

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

/// A rate derived from the task's own: `factor` of `unit` per unit of the task (64 tokens per
/// excerpt).
public struct SecondaryRate: Sendable {
  public var unit: String
  public var factor: Double
  public init(unit: String, factor: Double) {
    self.unit = unit
    self.factor = factor
  }
}

/// Draws progress; implemented by the front end.
public protocol ProgressSink: AnyObject {
  func started(_ task: ProgressTask)
  func updated(_ task: ProgressTask)
  func finished(_ task: ProgressTask)
}

/// `m:ss` or `h:mm:ss`.
public func formatDuration(_ seconds: Double) -> String {
  let s = Int(seconds.rounded())
  if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
  return String(format: "%d:%02d", s / 60, s % 60)
}
