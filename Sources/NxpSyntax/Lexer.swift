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
    var tokens: [Token] = []
    lexer.readToEnd(into: &tokens)
    return Result(tokens: tokens, diagnostics: lexer.diagnostics, endsInsideString: lexer.endsInsideString)
  }

  // MARK: - State

  let file: SourceFile
  /// The UTF-8 of the text. The lexer walks bytes: a character of more than one byte (or `\r\n`)
  /// is measured with the String's own grapheme breaking only where one occurs, so an ASCII
  /// script costs one byte a character and no Character is ever made for it.
  let bytes: [UInt8]
  /// Byte offset of the next character (always at a character boundary).
  var index = 0
  var location = SourceLocation(line: 1, column: 1, offset: 0)
  /// Tokens read and not yet handed out by `read(into:)`.
  var tokens: [Token] = []
  var diagnostics: [Diagnostic] = []
  var endsInsideString = false
  var finished = false

  init(file: SourceFile) {
    self.file = file
    self.bytes = Array(file.text.utf8)
    // A byte-order mark is not text: skip it without counting a column.
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      index = 3
      location.offset = 3
    }
  }

  // MARK: - Main loop

  /// Reads until at least one token is ready and moves the ready ones to the end of `buffer`;
  /// the last token of all is `.endOfInput`, after which it adds nothing.
  mutating func read(into buffer: inout [Token]) {
    while tokens.isEmpty && !finished { step() }
    buffer.append(contentsOf: tokens)
    tokens.removeAll(keepingCapacity: true)
  }

  /// Reads the rest of the text into `buffer`, through `.endOfInput`.
  mutating func readToEnd(into buffer: inout [Token]) {
    while !finished || !tokens.isEmpty { read(into: &buffer) }
  }

  /// Reads one token, or white space, or a comment.
  mutating func step() {
    guard index < bytes.count else {
      if !finished {
        tokens.append(Token(.endOfInput, text: "", range: SourceRange(at: location)))
        finished = true
      }
      return
    }
    let start = location
    let startIndex = index
    if atLineBreak {
      bump()
      add(.newline, from: startIndex, start)
      return
    }
    switch ascii(at: index) {
    case Byte.space, Byte.tab, Byte.cr: bump()
    case Byte.hash: commentOrCellMarker()
    case Byte.quote: string()
    case let b? where b.isASCIIDigit: number()
    case let b? where b.isIdentifierStart: identifier()
    default: punctuation()
    }
  }

  // MARK: - Moving through the text

  /// The character at byte `i` when it is a single ASCII byte: not `\r\n`, not a letter that a
  /// combining mark joins. nil otherwise and at the end.
  func ascii(at i: Int) -> UInt8? {
    guard i < bytes.count, bytes[i] < 0x80, characterLength(at: i) == 1 else { return nil }
    return bytes[i]
  }

  /// The current character if it is a single ASCII byte; `peek(k)` is the one `k` bytes on,
  /// which callers ask for only after the characters before it matched ASCII.
  func peek(_ ahead: Int = 0) -> UInt8? { ascii(at: index + ahead) }

  /// The length in bytes of the character (grapheme cluster) starting at byte `i`.
  func characterLength(at i: Int) -> Int {
    let b = bytes[i]
    if b < 0x80 && (i + 1 == bytes.count || bytes[i + 1] < 0x80) {
      return b == Byte.cr && i + 1 < bytes.count && bytes[i + 1] == Byte.lf ? 2 : 1
    }
    let text = file.text
    let start = text.utf8.index(text.utf8.startIndex, offsetBy: i)
    return text[start].utf8.count
  }

  /// The character starting at byte `i`.
  func character(at i: Int) -> Character {
    Character(source(i..<(i + characterLength(at: i))))
  }

  /// Only `\n` and `\r\n` end lines, as in `SourceFile.lines`.
  func isLineBreak(at i: Int) -> Bool {
    guard i < bytes.count else { return false }
    return bytes[i] == Byte.lf || (bytes[i] == Byte.cr && i + 1 < bytes.count && bytes[i + 1] == Byte.lf)
  }

  var atLineBreak: Bool { isLineBreak(at: index) }
  var atEnd: Bool { index >= bytes.count }

  /// Consumes one character, keeping line, column and UTF-8 offset exact.
  mutating func bump() {
    if atLineBreak {
      location.line += 1
      location.column = 1
    } else {
      location.column += 1
    }
    index += characterLength(at: index)
    location.offset = index
  }

  mutating func bump(_ count: Int) {
    var left = count
    while left > 0 && !atEnd {
      bump()
      left -= 1
    }
  }

  /// Consumes characters up to a line break, the end, or a character whose first byte is `stop`.
  mutating func skipInLine(until stop: UInt8? = nil) {
    while !atEnd && !atLineBreak && bytes[index] != stop { bump() }
  }

  mutating func add(_ kind: Token.Kind, from startIndex: Int, _ start: SourceLocation) {
    tokens.append(Token(kind, text: text(from: start), range: SourceRange(start, location)))
  }

  /// The source text from `start` to the current location.
  func text(from start: SourceLocation) -> String { source(start.offset..<location.offset) }

  /// The source text of a byte range that starts and ends at character boundaries.
  func source(_ range: Range<Int>) -> String {
    String(decoding: bytes[range], as: UTF8.self)
  }

  mutating func error(_ message: String, _ range: SourceRange, help: [String] = []) {
    diagnostics.append(.error(message, at: range, in: file, help: help))
  }

  // MARK: - Comments, names, punctuation

  /// `# ...` runs to the end of the line; `# %% title` in the first column marks a cell.
  mutating func commentOrCellMarker() {
    let start = location
    let startIndex = index
    let isMarker =
      location.column == 1 && peek(1) == Byte.space && peek(2) == Byte.percent && peek(3) == Byte.percent
    skipInLine()
    guard isMarker else { return }
    let title = source((startIndex + 4)..<index).trimmingWhitespace()
    add(.cellMarker(title: title), from: startIndex, start)
  }

  mutating func identifier() {
    let start = location
    let startIndex = index
    while let b = peek(), b.isIdentifierPart { bump() }
    let text = text(from: start)
    add(Token.Kind.keywords[text] ?? .name(text), from: startIndex, start)
  }

  mutating func punctuation() {
    let start = location
    let startIndex = index
    let c = peek()
    if let c, let kind = Lexer.single(c) {
      bump()
      add(kind, from: startIndex, start)
    } else if c == Byte.bar && peek(1) == Byte.greater {
      bump(2)
      add(.pipe, from: startIndex, start)
    } else if c == Byte.dot && peek(1) == Byte.dot && peek(2) == Byte.less {
      bump(3)
      add(.halfOpenRange, from: startIndex, start)
    } else if c == Byte.dot && peek(1) == Byte.dot && peek(2) == Byte.dot {
      bump(3)
      add(.closedRange, from: startIndex, start)
    } else if c == Byte.dot && peek(1) == Byte.dot {
      bump(2)
      invalid(
        "unexpected '..'", from: startIndex, start,
        help: ["write '..<' for a half-open range or '...' for a closed one"])
    } else if c == Byte.dot {
      bump()
      add(.dot, from: startIndex, start)
    } else if c == Byte.bar {
      bump()
      invalid("unexpected character '|'", from: startIndex, start, help: ["the pipe operator is written '|>'"])
    } else if c == Byte.apostrophe {
      singleQuotedString()
    } else {
      // One message for a run of characters the language has no use for.
      bump()
      while isUnexpected(at: index) { bump() }
      let run = Array(source(startIndex..<index))
      let shown =
        run.allSatisfy(\.isPrintable) ? "'\(String(run))'" : run.map(\.codePoints).joined(separator: " ")
      invalid(
        run.count == 1 ? "unexpected character \(shown)" : "unexpected characters \(shown)", from: startIndex, start)
    }
  }

  /// A character that starts no token and is not white space.
  func isUnexpected(at i: Int) -> Bool {
    guard i < bytes.count, !isLineBreak(at: i) else { return false }
    guard let b = ascii(at: i) else { return true }
    if b.isIdentifierPart { return false }
    return !Lexer.startsToken.contains(b)
  }

  /// ASCII that begins a token or is white space.
  static let startsToken = Set(Array(" \t\r#\"'()[]{},:;=+-*/|.".utf8))

  static func single(_ c: UInt8) -> Token.Kind? {
    switch c {
    case UInt8(ascii: "("): return .leftParen
    case UInt8(ascii: ")"): return .rightParen
    case UInt8(ascii: "["): return .leftBracket
    case UInt8(ascii: "]"): return .rightBracket
    case UInt8(ascii: "{"): return .leftBrace
    case UInt8(ascii: "}"): return .rightBrace
    case UInt8(ascii: ","): return .comma
    case UInt8(ascii: ":"): return .colon
    case UInt8(ascii: ";"): return .semicolon
    case UInt8(ascii: "="): return .equal
    case UInt8(ascii: "+"): return .plus
    case UInt8(ascii: "-"): return .minus
    case UInt8(ascii: "*"): return .star
    case UInt8(ascii: "/"): return .slash
    default: return nil
    }
  }

  /// `'text'` is a common slip for `"text"`: one error for the whole thing.
  mutating func singleQuotedString() {
    let start = location
    let startIndex = index
    bump()
    skipInLine(until: Byte.apostrophe)
    if peek() == Byte.apostrophe { bump() }
    invalid("strings are written in double quotes", from: startIndex, start, help: ["write \"...\" instead of '...'"])
  }

  mutating func invalid(_ message: String, from startIndex: Int, _ start: SourceLocation, help: [String] = []) {
    add(.invalid, from: startIndex, start)
    error(message, SourceRange(start, location), help: help)
  }
}

/// The ASCII bytes the lexer looks for.
enum Byte {
  static let lf = UInt8(ascii: "\n")
  static let cr = UInt8(ascii: "\r")
  static let tab = UInt8(ascii: "\t")
  static let space = UInt8(ascii: " ")
  static let hash = UInt8(ascii: "#")
  static let percent = UInt8(ascii: "%")
  static let quote = UInt8(ascii: "\"")
  static let apostrophe = UInt8(ascii: "'")
  static let backslash = UInt8(ascii: "\\")
  static let bar = UInt8(ascii: "|")
  static let greater = UInt8(ascii: ">")
  static let less = UInt8(ascii: "<")
  static let dot = UInt8(ascii: ".")
  static let colon = UInt8(ascii: ":")
  static let underscore = UInt8(ascii: "_")
}

extension UInt8 {
  var isASCIIDigit: Bool { self >= 48 && self <= 57 }
  var isASCIIHexDigit: Bool { isASCIIDigit || (self >= 65 && self <= 70) || (self >= 97 && self <= 102) }
  var isIdentifierStart: Bool { (self >= 65 && self <= 90) || (self >= 97 && self <= 122) || self == 95 }
  var isIdentifierPart: Bool { isIdentifierStart || isASCIIDigit }
}

// MARK: - Character classes

extension Character {
  var isDigit: Bool {
    guard let a = asciiValue, self != "\r\n" else { return false }
    return a >= 48 && a <= 57
  }

  var isIdentifierStart: Bool {
    guard let a = asciiValue, self != "\r\n" else { return false }
    return (a >= 65 && a <= 90) || (a >= 97 && a <= 122) || a == 95
  }

  var isIdentifierPart: Bool { isIdentifierStart || isDigit }

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
