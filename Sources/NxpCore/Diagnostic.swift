import Foundation

/// A message about a script, tied to a place in its source when there is one.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
  public enum Severity: String, Sendable { case error, warning, note }

  public var severity: Severity
  public var message: String
  public var file: SourceFile?
  public var range: SourceRange?
  /// Extra lines printed after the snippet, e.g. "did you mean `record`?".
  public var help: [String]
  /// Related places, e.g. the first binding of a name bound twice.
  public var notes: [Diagnostic]

  public init(
    _ severity: Severity = .error, _ message: String, file: SourceFile? = nil, range: SourceRange? = nil,
    help: [String] = [], notes: [Diagnostic] = []
  ) {
    self.severity = severity
    self.message = message
    self.file = file
    self.range = range
    self.help = help
    self.notes = notes
  }

  public static func error(_ message: String, at range: SourceRange?, in file: SourceFile?, help: [String] = []) -> Diagnostic {
    Diagnostic(.error, message, file: file, range: range, help: help)
  }

  public var description: String { DiagnosticRenderer(colors: false).render(self) }
}

/// Several diagnostics thrown together (a parse or check that found more than one error).
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]
  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
  public var description: String { DiagnosticRenderer(colors: false).render(diagnostics) }
}

/// Prints diagnostics the way compilers do:
///
///     script.nxp:3:9: error: unknown primitive `recrod`
///      3 | acts = recrod(model, texts)
///        |        ^~~~~~
///        = help: did you mean `record`?
public struct DiagnosticRenderer: Sendable {
  public var colors: Bool

  public init(colors: Bool) { self.colors = colors }

  public func render(_ diagnostics: [Diagnostic]) -> String {
    var out = diagnostics.map { render($0) }.joined()
    let errors = diagnostics.filter { $0.severity == .error }.count
    if errors > 1 { out += "\(errors) errors\n" }
    return out
  }

  public func render(_ d: Diagnostic) -> String {
    var out = ""
    var header = ""
    if let file = d.file {
      header += file.path
      if let r = d.range { header += ":\(r.start.line):\(r.start.column)" }
      header += ": "
    }
    // Messages quote user text (strings, file names, whole expressions): it is made visible and
    // a huge one is shortened, so no message writes escape codes or a megabyte to the terminal.
    let message = TerminalText.visible(TerminalText.abbreviated(d.message, limit: DiagnosticRenderer.maxMessage))
    out += paint(TerminalText.visible(header), bold: true) + paint("\(d.severity.rawValue):", color: color(d.severity), bold: true)
    out += paint(" \(message)", bold: true) + "\n"
    if let file = d.file, let r = d.range, r.start.line >= 1, r.start.line <= file.lines.count {
      out += snippet(file: file, range: r, severity: d.severity)
    }
    let gutter = gutterWidth(d)
    for h in d.help {
      let shown = TerminalText.visible(TerminalText.abbreviated(h, limit: DiagnosticRenderer.maxMessage))
      out += String(repeating: " ", count: gutter) + " = " + paint("help:", color: "36", bold: true) + " \(shown)\n"
    }
    for n in d.notes { out += render(n) }
    return out
  }

  private func gutterWidth(_ d: Diagnostic) -> Int {
    guard let r = d.range else { return 0 }
    return String(r.start.line).count + 1
  }

  /// Longest message or help line printed whole; longer ones keep their start and end.
  static let maxMessage = 400
  /// Longest source line printed whole; a longer one shows a window around the error's column.
  static let maxSnippet = 120

  private func snippet(file: SourceFile, range r: SourceRange, severity: Diagnostic.Severity) -> String {
    let lineNo = String(r.start.line)
    let width = lineNo.count + 1
    let text = file.line(r.start.line)
    let pad = String(repeating: " ", count: width)
    var startCol = max(1, r.start.column)
    var length = 1
    if r.end.line == r.start.line, r.end.column > startCol {
      length = r.end.column - startCol
    } else if r.end.line > r.start.line {
      length = max(1, text.count - startCol + 1)
    }
    // A long line (a megabyte of list literal) shows a window around the column, marked with `...`.
    var window = Substring(text)
    var prefix = "", suffix = ""
    if text.utf8.count > DiagnosticRenderer.maxSnippet, text.count > DiagnosticRenderer.maxSnippet {
      let before = DiagnosticRenderer.maxSnippet / 3
      let first = max(0, startCol - 1 - before)
      var lower = text.startIndex
      if first > 0, let i = text.index(text.startIndex, offsetBy: first, limitedBy: text.endIndex) {
        lower = i
        prefix = "..."
      }
      let upper = text.index(lower, offsetBy: DiagnosticRenderer.maxSnippet, limitedBy: text.endIndex) ?? text.endIndex
      if upper < text.endIndex { suffix = "..." }
      window = text[lower..<upper]
      startCol = startCol - first + prefix.count
      length = max(1, min(length, window.count + prefix.count - startCol + 1))
    }
    // Tabs are printed as single spaces and control characters as one visible symbol each, so
    // the caret column matches and no escape sequence reaches the terminal.
    let shown = prefix + TerminalText.visible(String(window).replacingOccurrences(of: "\t", with: " "), singleWidth: true) + suffix
    var out = paint(lineNo.leftPad(width) + " | ", color: "34", bold: false) + shown + "\n"
    let marker = "^" + String(repeating: "~", count: max(0, length - 1))
    out += paint(pad + " | ", color: "34", bold: false)
    out += String(repeating: " ", count: startCol - 1) + paint(marker, color: color(severity), bold: true) + "\n"
    return out
  }

  private func color(_ s: Diagnostic.Severity) -> String {
    switch s {
    case .error: return "31"
    case .warning: return "33"
    case .note: return "36"
    }
  }

  private func paint(_ s: String, color: String? = nil, bold: Bool) -> String {
    guard colors, !s.isEmpty else { return s }
    var codes: [String] = []
    if bold { codes.append("1") }
    if let color { codes.append(color) }
    if codes.isEmpty { return s }
    return "\u{1B}[\(codes.joined(separator: ";"))m\(s)\u{1B}[0m"
  }
}

extension String {
  func leftPad(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
