import Foundation
import NxpCache
import NxpCore
import NxpRuntime

#if canImport(Glibc)
  import Glibc
#endif

enum Terminal {
  static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
  static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

  /// Colours on a terminal unless NO_COLOR is set (https://no-color.org), TERM is dumb, or
  /// --no-color given.
  static func colors(disabled: Bool) -> Bool {
    !disabled && stdoutIsTTY && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty && !isDumb
  }

  /// TERM=dumb (Emacs shells, some CI logs): no escape sequence at all, so no colours and no
  /// redrawn progress bar.
  static var isDumb: Bool { ProcessInfo.processInfo.environment["TERM"] == "dumb" }

  /// A progress bar redraws a line of stderr: only on a terminal that understands escapes.
  static var showsProgress: Bool { stderrIsTTY && !isDumb }

  static var width: Int {
    var w = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 20 { return Int(w.ws_col) }
    return 100
  }

  static func printError(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
  }

  static func write(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
  }

  /// Diagnostics on stderr, coloured when stderr is a terminal.
  static func report(_ diagnostics: [Diagnostic]) {
    let colors = stderrIsTTY && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty && !isDumb
    printError(DiagnosticRenderer(colors: colors).render(diagnostics))
  }
}

enum CacheStoreRoot {
  static func resolve() -> String {
    CacheStore.defaultRoot(cwd: FileManager.default.currentDirectoryPath, environment: ProcessInfo.processInfo.environment)
  }
}
