import Foundation
import NxpCore

/// Renders a run's warnings, notes and progress on stderr.
final class TerminalReporter: Reporter, @unchecked Sendable {
  let progressSink: ProgressSink?

  /// A progress bar only when stderr is a terminal (`progress: true`).
  init(progress: Bool) {
    progressSink = progress ? TerminalProgressBar() : nil
  }

  // Messages quote file names and data: control characters are shown, never sent raw.
  func warning(_ message: String) { Terminal.printError("warning: \(TerminalText.visible(message))\n") }
  func note(_ message: String) { Terminal.printError("\(TerminalText.visible(message))\n") }
}

/// A one-line bar on stderr, redrawn at most ten times a second:
/// `record  [#########.........]  41%  1210/2944 excerpts  652.1 tokens/s  0:07 left`
final class TerminalProgressBar: ProgressSink {
  private var lastDraw = Date.distantPast
  private let lock = NSLock()

  func started(_ task: ProgressTask) { draw(task, force: true) }
  func updated(_ task: ProgressTask) { draw(task, force: false) }
  func finished(_ task: ProgressTask) {
    draw(task, force: true)
    Terminal.printError("\n")
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
    if let extra = task.secondary {
      line += String(format: "  %.1f %@/s", task.rate * extra.factor, extra.unit)
    } else {
      line += String(format: "  %.1f %@/s", task.rate, task.unit)
    }
    if let left = task.secondsLeft, task.done < task.total {
      line += "  " + formatDuration(left) + " left"
    }
    Terminal.printError(line)
  }
}
