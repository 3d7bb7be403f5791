import CEditLine
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads REPL input: with libedit line editing, history and tab completion when stdin is a
/// terminal, and as plain lines otherwise (so tests and pipes can drive the REPL).
public final class LineEditor {
  public enum Input: Equatable {
    case line(String)
    /// Ctrl-C at the prompt: the partial line is dropped.
    case interrupted
    case endOfFile
  }

  /// Given the whole line and the word being completed (its start and end in UTF-8 bytes),
  /// returns full replacements for that word.
  public typealias Completer = (_ line: String, _ wordStart: Int, _ wordEnd: Int) -> [String]

  public let isInteractive: Bool
  private let historyPath: String?

  nonisolated(unsafe) static var completer: Completer?

  /// - Parameters:
  ///   - historyPath: where history persists across sessions (nil: none).
  ///   - maxHistory: entries kept.
  public init(historyPath: String?, maxHistory: Int = 1000, completer: @escaping Completer) {
    isInteractive = isatty(STDIN_FILENO) == 1
    self.historyPath = historyPath
    LineEditor.completer = completer
    guard isInteractive else { return }
    LineEditor.useUTF8Locale()
    nxp_rl_init(
      "nxp",
      { line, start, end in
        guard let line, let complete = LineEditor.completer else { return nil }
        let text = String(cString: line)
        let candidates = complete(text, Int(start), Int(end))
        if candidates.isEmpty { return nil }
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: candidates.count + 1)
        for (i, c) in candidates.enumerated() { array[i] = strdup(c) }
        array[candidates.count] = nil
        return array
      }, " \t\n()[]{},:|=+-*/\"")
    nxp_rl_stifle_history(Int32(maxHistory))
    if let historyPath { _ = nxp_rl_read_history(historyPath) }
  }

  /// libedit reads multibyte characters only under a UTF-8 character-type locale; a process
  /// starts in the "C" locale, where it drops every non-ASCII byte (`show "héllo ✓"` became
  /// `show ""hllo`). Takes the user's LC_CTYPE if it is UTF-8, else C.UTF-8. Only LC_CTYPE
  /// changes: number formatting stays in the C locale. Returns the codeset in effect.
  @discardableResult
  public static func useUTF8Locale() -> String {
    func codeset() -> String { nl_langinfo(nl_item(CODESET)).map { String(cString: $0) } ?? "" }
    func isUTF8(_ s: String) -> Bool { ["utf-8", "utf8"].contains(s.lowercased()) }
    if setlocale(LC_CTYPE, "") != nil, isUTF8(codeset()) { return codeset() }
    for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil && isUTF8(codeset()) {
      return codeset()
    }
    return codeset()
  }

  /// Reads one line. The prompt is shown only in interactive mode.
  public func readLine(prompt: String) -> Input {
    guard isInteractive else {
      guard let line = Swift.readLine(strippingNewline: true) else { return .endOfFile }
      return .line(line)
    }
    _ = nxp_take_sigint()
    guard let raw = nxp_rl_readline(prompt) else {
      return nxp_take_sigint() != 0 ? .interrupted : .endOfFile
    }
    defer { free(raw) }
    if nxp_take_sigint() != 0 { return .interrupted }
    return .line(String(cString: raw))
  }

  /// Adds a line to the history (and to the history file when the session ends).
  public func addHistory(_ line: String) {
    guard isInteractive, !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
    nxp_rl_add_history(line)
  }

  /// Writes the history file; called when the REPL exits.
  public func saveHistory() {
    guard isInteractive, let historyPath else { return }
    let dir = (historyPath as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    _ = nxp_rl_write_history(historyPath)
  }

  /// Routes Ctrl-C to a flag instead of killing the process; returns the flag's address so
  /// long computations can poll it.
  public static func installInterruptHandler() -> UnsafeMutablePointer<Int32> {
    nxp_install_sigint_handler()
    return UnsafeMutablePointer(mutating: nxp_sigint_flag())
  }

  /// True once if Ctrl-C arrived since the last call.
  public static func takeInterrupt() -> Bool { nxp_take_sigint() != 0 }
}
