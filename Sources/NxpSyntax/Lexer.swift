import NxpCore

/// Turns the text of a script into tokens, each with its exact source range.
///
/// The lexer never fails: text it cannot read becomes an `.invalid` token and a diagnostic, so
/// the parser can go on and report more errors. Comments are dropped; line breaks are kept as
/// `.newline` tokens because they end statements.
public struct Lexer {
  /// The tokens of a whole file, always ending with `.endOfInput`.
  public struct Result: Sendable {
    public var tokens: [Token]
    public var diagnostics: [Diagnostic]
    /// True when the text ends inside a triple-quoted string: more lines could complete it.
    public var endsInsideString: Bool
  }

  /// Splits `file` into tokens.
  public static func tokenize(_ file: SourceFile) -> Result {
    var lexer = Lexer(file: file)
    lexer.run()
    return Result(tokens: lexer.tokens, diagnostics: lexer.diagnostics, endsInsideString: lexer.endsInsideString)
  }

  // MARK: - State

  let file: SourceFile
  let chars: [Character]
  /// The UTF-8 of the text: token text is cut from it by offset, which is much cheaper than
  /// building a String from Characters.
  let bytes: [UInt8]
  var index = 0
  var location = SourceLocation(line: 1, column: 1, offset: 0)
  var tokens: [Token] = []
  var diagnostics: [Diagnostic] = []
  var endsInsideString = false

  init(file: SourceFile) {
    self.file = file
    self.chars = Array(file.text)
    self.bytes = Array(file.text.utf8)
  }

  // MARK: - Main loop

  mutating func run() {
    // A byte-order mark is not text: skip it without counting a column.
    if chars.first == "\u{FEFF}" {
      index = 1
      location.offset = 3
    }
    while index < chars.count {
      let start = location
      let startIndex = index
      let c = chars[index]
      if c == " " || c == "\t" || c == "\r" {
        bump()
      } else if c.isLineBreak {
        bump()
        add(.newline, from: startIndex, start)
      } else if c == "#" {
        commentOrCellMarker()
      } else if c == "\"" {
        string()
      } else if c.isDigit {
        number()
      } else if c.isIdentifierStart {
        identifier()
      } else {
        punctuation()
      }
    }
    tokens.append(Token(.endOfInput, text: "", range: SourceRange(at: location)))
  }

  // MARK: - Moving through the text

  func peek(_ ahead: Int = 0) -> Character? {
    index + ahead < chars.count ? chars[index + ahead] : nil
  }

  /// Consumes one character, keeping line, column and UTF-8 offset exact.
  mutating func bump() {
    let c = chars[index]
    index += 1
    location.offset += c.utf8.count
    if c.isLineBreak {
      location.line += 1
      location.column = 1
    } else {
      location.column += 1
    }
  }

  mutating func bump(_ count: Int) {
    for _ in 0..<count where index < chars.count { bump() }
  }

  mutating func add(_ kind: Token.Kind, from startIndex: Int, _ start: SourceLocation) {
    tokens.append(Token(kind, text: text(from: start), range: SourceRange(start, location)))
  }

  /// The source text from `start` to the current location.
  func text(from start: SourceLocation) -> String {
    String(decoding: bytes[start.offset..<location.offset], as: UTF8.self)
  }

  mutating func error(_ message: String, _ range: SourceRange, help: [String] = []) {
    diagnostics.append(.error(message, at: range, in: file, help: help))
  }

  // MARK: - Comments, names, punctuation

  /// `# ...` runs to the end of the line; `# %% title` in the first column marks a cell.
  mutating func commentOrCellMarker() {
    let start = location
    let startIndex = index
    let isMarker = location.column == 1 && peek(1) == " " && peek(2) == "%" && peek(3) == "%"
    while let c = peek(), !c.isLineBreak { bump() }
    guard isMarker else { return }
    let title = String(chars[(startIndex + 4)..<index]).trimmingWhitespace()
    add(.cellMarker(title: title), from: startIndex, start)
  }

  mutating func identifier() {
    let start = location
    let startIndex = index
    while let c = peek(), c.isIdentifierPart { bump() }
    let text = text(from: start)
    add(Token.Kind.keywords[text] ?? .name(text), from: startIndex, start)
  }

  mutating func punctuation() {
    let start = location
    let startIndex = index
    let c = chars[index]
    if let kind = Lexer.single(c) {
      bump()
      add(kind, from: startIndex, start)
    } else if c == "|" && peek(1) == ">" {
      bump(2)
      add(.pipe, from: startIndex, start)
    } else if c == "." && peek(1) == "." && peek(2) == "<" {
      bump(3)
      add(.halfOpenRange, from: startIndex, start)
    } else if c == "." && peek(1) == "." && peek(2) == "." {
      bump(3)
      add(.closedRange, from: startIndex, start)
    } else if c == "." && peek(1) == "." {
      bump(2)
      invalid(
        "unexpected '..'", from: startIndex, start,
        help: ["write '..<' for a half-open range or '...' for a closed one"])
    } else if c == "." {
      bump()
      add(.dot, from: startIndex, start)
    } else if c == "|" {
      bump()
      invalid("unexpected character '|'", from: startIndex, start, help: ["the pipe operator is written '|>'"])
    } else if c == "'" {
      singleQuotedString()
    } else {
      // One message for a run of characters the language has no use for.
      bump()
      while let next = peek(), next.isUnexpected { bump() }
      let run = Array(chars[startIndex..<index])
      let shown =
        run.allSatisfy(\.isPrintable) ? "'\(String(run))'" : run.map(\.codePoints).joined(separator: " ")
      invalid(
        run.count == 1 ? "unexpected character \(shown)" : "unexpected characters \(shown)", from: startIndex, start)
    }
  }

  static func single(_ c: Character) -> Token.Kind? {
    switch c {
    case "(": return .leftParen
    case ")": return .rightParen
    case "[": return .leftBracket
    case "]": return .rightBracket
    case "{": return .leftBrace
    case "}": return .rightBrace
    case ",": return .comma
    case ":": return .colon
    case ";": return .semicolon
    case "=": return .equal
    case "+": return .plus
    case "-": return .minus
    case "*": return .star
    case "/": return .slash
    default: return nil
    }
  }

  /// `'text'` is a common slip for `"text"`: one error for the whole thing.
  mutating func singleQuotedString() {
    let start = location
    let startIndex = index
    bump()
    while let c = peek(), !c.isLineBreak, c != "'" { bump() }
    if peek() == "'" { bump() }
    invalid("strings are written in double quotes", from: startIndex, start, help: ["write \"...\" instead of '...'"])
  }

  mutating func invalid(_ message: String, from startIndex: Int, _ start: SourceLocation, help: [String] = []) {
    add(.invalid, from: startIndex, start)
    error(message, SourceRange(start, location), help: help)
  }
}

// MARK: - Character classes

extension Character {
  /// Only `\n` and `\r\n` end lines, as in `SourceFile.lines`.
  var isLineBreak: Bool { self == "\n" || self == "\r\n" }

  var isDigit: Bool {
    guard let a = asciiValue, self != "\r\n" else { return false }
    return a >= 48 && a <= 57
  }

  var isHexDigit: Bool {
    guard let a = asciiValue, self != "\r\n" else { return false }
    return (a >= 48 && a <= 57) || (a >= 65 && a <= 70) || (a >= 97 && a <= 102)
  }

  var isIdentifierStart: Bool {
    guard let a = asciiValue, self != "\r\n" else { return false }
    return (a >= 65 && a <= 90) || (a >= 97 && a <= 122) || a == 95
  }

  var isIdentifierPart: Bool { isIdentifierStart || isDigit }

  /// A character that starts no token and is not white space.
  var isUnexpected: Bool {
    if isLineBreak || self == " " || self == "\t" || self == "\r" || self == "#" || self == "\"" || self == "'" {
      return false
    }
    if isIdentifierPart { return false }
    return !"()[]{},:;=+-*/|.".contains(self)
  }

  /// False for control, format and other characters a terminal would not show.
  var isPrintable: Bool {
    let hidden: Set<Unicode.GeneralCategory> = [
      .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator,
    ]
    return !unicodeScalars.contains { hidden.contains($0.properties.generalCategory) }
  }

  /// `U+00A0`, one per scalar: how a message names a character it cannot show.
  var codePoints: String {
    unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(4) }.joined(separator: " ")
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }

  func trimmingWhitespace() -> String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
    return String(s)
  }
}
