import NxpCore

/// The tokens as the parser sees them: lexed when the parser first looks at them and dropped once
/// it is well past them, so a script of millions of tokens (a 50 MB list literal) never holds
/// them all at once. Indices are raw token numbers from the start of the file; any index at or
/// past the end gives `.endOfInput`. A struct inside the parser, so that reading a token costs no
/// run-time exclusivity check.
struct TokenStream {
  private var lexer: Lexer
  private var buffer: [Token] = []
  /// The raw index of `buffer[0]`.
  private var base = 0
  /// The most tokens held at once (tests check that it stays small).
  private(set) var mostHeld = 0
  /// Tokens before the parser's previous one are dropped in chunks of at least this many.
  private static let dropChunk = 4096

  init(_ file: SourceFile) {
    lexer = Lexer(file: file)
  }

  /// The position in `buffer` of raw index `i`, lexing up to it first (the last token,
  /// `.endOfInput`, for any index past the end).
  private mutating func slot(_ i: Int) -> Int {
    while i - base >= buffer.count {
      if buffer.last?.kind == .endOfInput { return buffer.count - 1 }
      lexer.read(into: &buffer)
      mostHeld = max(mostHeld, buffer.count)
    }
    return i - base
  }

  subscript(i: Int) -> Token {
    mutating get { buffer[slot(i)] }
  }

  /// The kind of the token at raw index `i`, without copying the token's text.
  mutating func kind(_ i: Int) -> Token.Kind { buffer[slot(i)].kind }

  /// The token at raw index `i` is a line break (the parser's most frequent question).
  mutating func isNewline(_ i: Int) -> Bool {
    guard case .newline = buffer[slot(i)].kind else { return false }
    return true
  }

  /// Lets go of the tokens before raw index `i`: the parser never looks further back than the
  /// token before its position.
  mutating func forget(before i: Int) {
    let n = i - base
    guard n >= Self.dropChunk, n < buffer.count else { return }
    buffer.removeFirst(n)
    base = i
  }

  /// Lexes what the parser did not reach, so that every lexical error is reported.
  mutating func finish() {
    lexer.readToEnd(into: &buffer)
  }

  /// The lexer's errors so far (all of them after `finish()`).
  var diagnostics: [Diagnostic] { lexer.diagnostics }
  /// The text ends inside a triple-quoted string (known once the lexer has reached the end).
  var endsInsideString: Bool { lexer.endsInsideString }
}
