import Foundation
import NxpCore
import NxpLineEdit
import NxpRuntime

/// The terminal front end of the REPL: reads lines with libedit (or plainly from a pipe), joins
/// continuation lines, keeps history, and prints what the `ReplSession` writes. All state and
/// every directive live in `ReplSession`.
final class Repl: ReplConsole {
  private(set) var state: ReplSession!
  private var editor: LineEditor!

  init(session: Session) {
    state = ReplSession(session: session, console: self, width: Terminal.width)
  }

  /// Whether an entry or directive had errors, and whether a run failed (for the exit status
  /// when input is piped).
  var hadErrors: Bool { state.failures > 0 }
  var hadRuntimeFailure: Bool { state.runtimeFailures > 0 }

  func load(path: String) -> Bool { state.load(path: path) }

  // MARK: - ReplConsole

  func write(_ text: String) { Terminal.write(text) }
  func report(_ diagnostics: [Diagnostic]) { Terminal.report(diagnostics) }
  func error(_ message: String) { Terminal.printError(message) }

  // MARK: - Loop

  func loop() {
    let history = ProcessInfo.processInfo.environment["NXP_HISTORY"] ?? (NSHomeDirectory() + "/.nxp_history")
    editor = LineEditor(historyPath: history) { [unowned self] line, start, end in self.state.complete(line: line, start: start, end: end) }
    Cancellation.signalFlag = LineEditor.installInterruptHandler()
    if editor.isInteractive {
      Terminal.write("nxp \(nxpVersion): :help for help, :quit to leave\n")
    }
    defer { editor.saveHistory() }
    var pending = ""
    while true {
      let prompt = pending.isEmpty ? "nxp> " : "...> "
      switch editor.readLine(prompt: prompt) {
      case .endOfFile:
        if editor.isInteractive { Terminal.write("\n") }
        if !pending.isEmpty { state.handle(pending) }
        return
      case .interrupted:
        if !pending.isEmpty { Terminal.write("(input dropped)\n") }
        pending = ""
        continue
      case .line(let line):
        let text = pending.isEmpty ? line : pending + "\n" + line
        if pending.isEmpty && ReplSession.isDirective(line) {
          let trimmed = line.trimmingCharacters(in: .whitespaces)
          // Recalling :quit with the Up arrow is never wanted.
          if ![":quit", ":q", ":exit"].contains(trimmed) { editor.addHistory(line) }
          if state.directive(trimmed) == .quit { return }
          continue
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
          pending = ""
          continue
        }
        if ReplSession.isIncomplete(text) {
          pending = text
          continue
        }
        editor.addHistory(text)
        pending = ""
        state.handle(text)
      }
    }
  }
}
