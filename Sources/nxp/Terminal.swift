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

  /// Writes to stderr; a failure there has nowhere to be reported, so it is ignored.
  static func printError(_ s: String) {
    _ = streams
    _ = writeAll(STDERR_FILENO, s)
  }

  /// Writes to stdout. When stdout cannot take it (a full disk, a closed descriptor), says so on
  /// stderr and exits with status 74 (EX_IOERR); when it is a pipe whose reader has gone
  /// (`nxp run x.nxp | head -1`), exits quietly with status 0. Finished values stay cached.
  static func write(_ s: String) {
    _ = streams
    if stdoutWasClosed { failOutput("standard output is closed") }
    let code = writeAll(STDOUT_FILENO, s)
    if code == 0 { return }
    if code == EPIPE { exit(0) }
    failOutput(String(cString: strerror(code)))
  }

  /// The exit status when the output cannot be written.
  static let outputErrorStatus: Int32 = 74

  private static func failOutput(_ reason: String) -> Never {
    printError("error: cannot write the output: \(reason)\n")
    exit(outputErrorStatus)
  }

  /// Writes every byte, retrying after signals; returns 0 or the errno of the failure.
  private static func writeAll(_ fd: Int32, _ s: String) -> Int32 {
    var bytes = Array(s.utf8)
    return bytes.withUnsafeMutableBytes { raw -> Int32 in
      var done = 0
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          return errno
        }
        done += n
      }
      return 0
    }
  }

  /// Set when the process started with stdout closed (`nxp run x.nxp >&-`).
  nonisolated(unsafe) private static var stdoutWasClosed = false

  /// Called first thing in `main`: a broken pipe becomes an EPIPE error instead of a signal, and
  /// standard streams the process was started without are opened on /dev/null, so no file opened
  /// later (a cache entry, a checkpoint) takes descriptor 1 and receives the output.
  static func prepareStandardStreams() { _ = streams }

  private static let streams: Void = {
    signal(SIGPIPE, SIG_IGN)
    for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
      if fd == STDOUT_FILENO { stdoutWasClosed = true }
      let null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
      if null >= 0 && null != fd {
        dup2(null, fd)
        close(null)
      }
    }
  }()

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
