import NxpCore

/// A recursive-descent parser with one function per rule of `Grammar/nxp.ebnf`.
///
/// Errors are collected, not thrown to the caller: after an error the parser skips to the next
/// statement and goes on, so one run reports several problems. Input that ends where more could
/// follow (an open bracket, a trailing operator, an unterminated triple-quoted string) is
/// reported as incomplete, which the REPL answers with a continuation prompt.
public struct Parser {
  // MARK: - Entry points

  /// Parses a whole file.
  public static func parse(_ file: SourceFile) -> ParseResult {
    var parser = Parser(file: file)
    let script = parser.script()
    parser.tokens.finish()
    let lexed = parser.tokens
    let lexerLeftovers = lexed.diagnostics.count - (lexed.endsInsideString ? 1 : 0)
    let parserLeftovers = parser.diagnostics.count - (parser.reachedEndWhileContinuing ? 1 : 0)
    let incomplete =
      (lexed.endsInsideString || parser.reachedEndWhileContinuing) && lexerLeftovers == 0 && parserLeftovers == 0
    let diagnostics = (lexed.diagnostics + parser.diagnostics).enumerated().sorted {
      let a = $0.element.range?.start.offset ?? 0
      let b = $1.element.range?.start.offset ?? 0
      return a != b ? a < b : $0.offset < $1.offset
    }.map(\.element)
    return ParseResult(script: script, diagnostics: diagnostics, isIncomplete: incomplete)
  }

  /// Parses text that has no file of its own (a REPL entry, a test snippet).
  public static func parse(_ text: String, path: String = "<input>") -> ParseResult {
    parse(SourceFile(path: path, text: text))
  }

  /// Parses `text` as a single expression, such as the value in `--set layer=10` or
  /// `:set layer=10`; anything after the expression is an error.
  public static func parseExpression(
    _ text: String, path: String = "<input>"
  ) -> (
    expression: Expr?, diagnostics: [Diagnostic]
  ) {
    let file = SourceFile(path: path, text: text)
    var parser = Parser(file: file)
    var expression: Expr?
    do {
      let parsed = try parser.expression()
      parser.skipLineBreaks()
      if !parser.check(.endOfInput) { throw parser.errorAtCurrent("expected end of input after expression") }
      expression = parsed
    } catch {}
    parser.tokens.finish()
    let diagnostics = parser.tokens.diagnostics + parser.diagnostics
    return (diagnostics.isEmpty ? expression : nil, diagnostics)
  }

  /// How deeply brackets and unary operators may nest, and how tall an expression tree may grow.
  /// Both bounds keep recursion over a tree (parsing, printing, comparing, resolving, running)
  /// within about 2 MiB of stack in a debug build, and far less in a release build, whatever
  /// the input; threads on Linux have 8 MiB.
  static let maxNesting = 48
  static let maxHeight = 128
  /// How many terms the left spine of a tree (`a + b + ...`, `x |> f |> ...`) may have. Walks
  /// follow a chain in a loop, but releasing a tree still recurses along it (about 100 bytes of
  /// stack a term), so the bound keeps that near 1 MiB.
  static let maxChain = 10_000

  // MARK: - State

  let file: SourceFile
  var tokens: TokenStream
  /// Index of the next raw token (newlines included).
  var position = 0
  /// The last token consumed.
  var previous: Token
  /// Brackets opened and not yet closed; inside any of them line breaks do not matter.
  var openBrackets: [Token] = []
  var nesting = 0
  var diagnostics: [Diagnostic] = []
  /// The first error was at the end of input at a point where a further line could continue.
  var reachedEndWhileContinuing = false
  var statements: [Statement] = []
  var cells: [Cell] = [Cell(index: 0, title: nil, markerRange: nil)]

  /// Thrown to unwind to the statement loop once the error is recorded.
  struct Failure: Error {}

  init(file: SourceFile) {
    self.file = file
    self.tokens = TokenStream(file)
    self.previous = Token(.newline, text: "", range: SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)))
  }

  // MARK: - Looking at tokens

  /// The index of the current token: inside brackets, line breaks are skipped.
  var currentIndex: Int {
    mutating get {
      var i = position
      if !openBrackets.isEmpty {
        while tokens.isNewline(i) { i += 1 }
      }
      return i
    }
  }

  var current: Token { mutating get { tokens[currentIndex] } }
  var currentKind: Token.Kind { mutating get { tokens.kind(currentIndex) } }

  /// The token after the current one, by the same rule.
  var next: Token {
    mutating get {
      var i = currentIndex + 1
      if !openBrackets.isEmpty {
        while tokens.isNewline(i) { i += 1 }
      }
      return tokens[i]
    }
  }

  mutating func check(_ kind: Token.Kind) -> Bool { currentKind == kind }

  /// Consumes the current token. After a token that leaves the line unfinished (an operator,
  /// `=`, `,`, an opening bracket) the following line breaks are consumed too.
  @discardableResult
  mutating func advance() -> Token {
    let i = currentIndex
    let token = tokens[i]
    if token.kind != .endOfInput { position = i + 1 }
    tokens.forget(before: position - 1)
    previous = token
    if token.kind.continuesLine { skipLineBreaks() }
    return token
  }

  mutating func match(_ kind: Token.Kind) -> Bool {
    guard check(kind) else { return false }
    advance()
    return true
  }

  mutating func skipLineBreaks() {
    while tokens.isNewline(position) { position += 1 }
  }

  /// The first token at or after raw index `i` that is not a line break.
  mutating func firstNonBreak(from i: Int) -> Token {
    var i = i
    while tokens.isNewline(i) { i += 1 }
    return tokens[i]
  }

  /// True when the token at raw index `i` can only begin a statement: a keyword statement, a
  /// cell marker, or `name =`. Used to stop at the next statement after a missing `)`.
  mutating func startsStatement(at i: Int) -> Bool {
    switch tokens.kind(i) {
    case .import, .param, .show, .cellMarker: return true
    case .name: return tokens.kind(i + 1) == .equal
    default: return false
    }
  }

  /// The current token is on a later line than the previous one.
  var crossedLine: Bool {
    mutating get { current.range.start.line > previous.range.end.line }
  }

  /// True where a bracketed list has certainly ended, closed or not.
  var atListEnd: Bool {
    mutating get {
      switch currentKind {
      case .rightParen, .rightBracket, .rightBrace, .endOfInput, .semicolon, .cellMarker: return true
      default: return crossedLine && startsStatement(at: currentIndex)
      }
    }
  }

  // MARK: - Errors

  /// Records an error at the current token and returns the value to throw. When the current
  /// token is on a later line, the error points just after the previous token instead, where
  /// the missing text belongs.
  mutating func errorAtCurrent(_ message: String, help: [String] = [], notes: [Diagnostic] = []) -> Failure {
    let token = current
    // The lexer has already reported what it could not read.
    if token.kind == .invalid { return Failure() }
    let range = errorRange
    if token.kind == .endOfInput && diagnostics.isEmpty && (!openBrackets.isEmpty || previous.kind.continuesLine) {
      reachedEndWhileContinuing = true
    }
    diagnostics.append(Diagnostic(.error, message, file: file, range: range, help: help, notes: notes))
    return Failure()
  }

  /// Where an error about the current token points.
  var errorRange: SourceRange {
    mutating get {
      let midStatement = previous.kind != .newline && previous.kind != .semicolon
      if midStatement && (currentKind == .endOfInput || crossedLine) {
        return SourceRange(at: previous.range.end)
      }
      return current.range
    }
  }

  /// Records an error that does not stop parsing (the structure is still clear).
  mutating func report(_ message: String, at range: SourceRange, help: [String] = [], notes: [Diagnostic] = []) {
    diagnostics.append(Diagnostic(.error, message, file: file, range: range, help: help, notes: notes))
  }

  func note(_ message: String, at range: SourceRange) -> Diagnostic {
    Diagnostic(.note, message, file: file, range: range)
  }

  /// Consumes a token of `kind` or fails with `message`.
  @discardableResult
  mutating func expect(_ kind: Token.Kind, _ message: String, help: [String] = []) throws -> Token {
    guard check(kind) else { throw errorAtCurrent(message, help: help) }
    return advance()
  }

  /// Consumes an opening bracket and remembers it.
  mutating func open(_ kind: Token.Kind, _ message: String) throws -> Token {
    let token = try expect(kind, message)
    openBrackets.append(token)
    return token
  }

  /// Consumes the closing bracket of `opener`. `separator` is the message for a missing comma,
  /// used when the current token could have started another element.
  mutating func close(_ kind: Token.Kind, _ message: String, opener: Token, separator: String? = nil) throws -> Token {
    if check(kind) {
      let token = advance()
      openBrackets.removeLast()
      return token
    }
    if let separator, !atListEnd, currentKind.startsExpression {
      throw errorAtCurrent(separator)
    }
    let notes =
      opener.range.start.line < errorRange.start.line
      ? [note("to match this \(opener.kind.spelling)", at: opener.range)] : []
    throw errorAtCurrent(message, notes: notes)
  }

  /// Builds a node, refusing trees too tall to walk safely.
  mutating func make(_ kind: Expr.Kind, _ range: SourceRange) throws -> Expr {
    let expr = Expr(kind, range: range)
    if expr.height > Parser.maxHeight {
      throw errorAtCurrent("expression is too deeply nested", help: ["split it into several bindings"])
    }
    if expr.spine > Parser.maxChain {
      throw errorAtCurrent(
        "this chain has more than \(Parser.maxChain) terms", help: ["split it into several bindings of fewer terms each"])
    }
    return expr
  }

  /// Fails when a chain grows past `maxChain` terms.
  @inline(never)
  mutating func checkChain(_ terms: Int) throws {
    if terms > Parser.maxChain {
      throw errorAtCurrent(
        "this chain has more than \(Parser.maxChain) terms", help: ["split it into several bindings of fewer terms each"])
    }
  }

  /// Counts one level of recursion, failing past the limit.
  mutating func enterNesting() throws {
    nesting += 1
    if nesting > Parser.maxNesting {
      throw errorAtCurrent("expression is too deeply nested", help: ["split it into several bindings"])
    }
  }

  // MARK: - Recovery

  /// Skips to the start of the next statement: a line break outside the brackets that were open
  /// at the error, or one followed by something that can only start a statement.
  mutating func synchronize(statementStart: Int) {
    var depth = openBrackets.count
    openBrackets = []
    nesting = 0
    // An error at the end of a line may leave the parser at the start of the next statement
    // already; stay there, but only if the failed statement consumed something.
    if position > statementStart && tokens.isNewline(position - 1) && startsStatement(at: position) { return }
    while true {
      let token = tokens[position]
      switch token.kind {
      case .endOfInput, .cellMarker:
        return
      case .newline, .semicolon:
        position += 1
        previous = token
        let continues = firstNonBreak(from: position).kind == .pipe
        if (depth <= 0 && !continues) || startsStatement(at: position) { return }
      case .leftParen, .leftBracket, .leftBrace:
        depth += 1
        position += 1
      case .rightParen, .rightBracket, .rightBrace:
        depth -= 1
        position += 1
      default:
        position += 1
      }
      tokens.forget(before: position - 1)
    }
  }
}

// MARK: - Result

/// What parsing gives back: the statements that parsed and every problem found.
public struct ParseResult: Sendable {
  /// Complete, incomplete (more lines could finish it) or invalid.
  public enum Status: Sendable, Equatable {
    case complete, incomplete, invalid
  }

  public var script: Script
  /// Lexer and parser errors, in source order.
  public var diagnostics: [Diagnostic]
  /// True when the only problem is that the input stops where a further line could continue it:
  /// an open bracket or triple-quoted string, or a trailing operator, `|>`, `=` or `,`.
  public var isIncomplete: Bool

  public var status: Status {
    isIncomplete ? .incomplete : (diagnostics.contains { $0.severity == .error } ? .invalid : .complete)
  }
}

extension Token.Kind {
  /// Tokens that can begin an expression.
  var startsExpression: Bool {
    switch self {
    case .name, .int, .float, .string, .neuron, .true, .false, .none, .leftParen, .leftBracket, .leftBrace, .minus:
      return true
    default: return false
    }
  }
}
