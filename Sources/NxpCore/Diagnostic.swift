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
    out += paint(header, bold: true) + paint("\(d.severity.rawValue):", color: color(d.severity), bold: true)
    out += paint(" \(d.message)", bold: true) + "\n"
    if let file = d.file, let r = d.range, r.start.line >= 1, r.start.line <= file.lines.count {
      out += snippet(file: file, range: r, severity: d.severity)
    }
    let gutter = gutterWidth(d)
    for h in d.help {
      out += String(repeating: " ", count: gutter) + " = " + paint("help:", color: "36", bold: true) + " \(h)\n"
    }
    for n in d.notes { out += render(n) }
    return out
  }

  private func gutterWidth(_ d: Diagnostic) -> Int {
    guard let r = d.range else { return 0 }
    return String(r.start.line).count + 1
  }

  private func snippet(file: SourceFile, range r: SourceRange, severity: Diagnostic.Severity) -> String {
    let lineNo = String(r.start.line)
    let width = lineNo.count + 1
    let text = file.line(r.start.line)
    let pad = String(repeating: " ", count: width)
    // Tabs are printed as single spaces so the caret column matches.
    let shown = String(text).replacingOccurrences(of: "\t", with: " ")
    var out = paint(lineNo.leftPad(width) + " | ", color: "34", bold: false) + shown + "\n"
    let startCol = max(1, r.start.column)
    let lineLength = shown.count
    var length = 1
    if r.end.line == r.start.line, r.end.column > startCol {
      length = r.end.column - startCol
    } else if r.end.line > r.start.line {
      length = max(1, lineLength - startCol + 1)
    }
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
