import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

func lex(_ text: String) -> Lexer.Result {
  Lexer.tokenize(SourceFile(path: "test.nxp", text: text))
}

func kinds(_ text: String) -> [Token.Kind] {
  lex(text).tokens.map(\.kind)
}

/// "start-end text" for each token but the last.
func spans(_ text: String) -> [String] {
  lex(text).tokens.dropLast().map { "\($0.range.start)-\($0.range.end) \($0.text.debugDescription)" }
}

@Suite struct LexerTests {
  // MARK: - Tokens and locations

  @Test func everyTokenHasItsExactRange() {
    #expect(
      spans("acts = record(m, layers: [6])\n") == [
        "1:1-1:5 \"acts\"", "1:6-1:7 \"=\"", "1:8-1:14 \"record\"", "1:14-1:15 \"(\"", "1:15-1:16 \"m\"",
        "1:16-1:17 \",\"", "1:18-1:24 \"layers\"", "1:24-1:25 \":\"", "1:26-1:27 \"[\"", "1:27-1:28 \"6\"",
        "1:28-1:29 \"]\"", "1:29-1:30 \")\"", "1:30-2:1 \"\\n\"",
      ])
  }

  @Test func columnsCountCharactersAndOffsetsCountBytes() {
    let tokens = lex("s = \"😀é\" + x").tokens
    let x = tokens[4]
    #expect(x.kind == .name("x"))
    #expect(x.range.start == NxpCore.SourceLocation(line: 1, column: 12, offset: 15))
    #expect(tokens[2].kind == .string("😀é"))
  }

  @Test func windowsLineEndingsEndLines() {
    let file = SourceFile(path: "crlf.nxp", text: "a = 1\r\nb = 2\r\n")
    let tokens = Lexer.tokenize(file).tokens
    #expect(
      tokens.map(\.kind) == [.name("a"), .equal, .int(1), .newline, .name("b"), .equal, .int(2), .newline, .endOfInput])
    #expect(tokens[4].range.start == NxpCore.SourceLocation(line: 2, column: 1, offset: 7))
    #expect(file.lines == ["a = 1", "b = 2", ""])
  }

  @Test func aByteOrderMarkIsSkipped() {
    let tokens = lex("\u{FEFF}# %% A\nx").tokens
    #expect(tokens.map(\.kind) == [.cellMarker(title: "A"), .newline, .name("x"), .endOfInput])
    #expect(tokens[0].range.start == NxpCore.SourceLocation(line: 1, column: 1, offset: 3))
    #expect(tokens[2].range.start == NxpCore.SourceLocation(line: 2, column: 1, offset: 10))
  }

  @Test func keywordsAndPunctuation() {
    #expect(
      kinds("import param show true false none |> ..< ... . ; + - * / { } ( ) [ ] , : =") == [
        .import, .param, .show, .true, .false, .none, .pipe, .halfOpenRange, .closedRange, .dot, .semicolon, .plus,
        .minus, .star, .slash, .leftBrace, .rightBrace, .leftParen, .rightParen, .leftBracket, .rightBracket,
        .comma, .colon, .equal, .endOfInput,
      ])
  }

  // MARK: - Numbers and neurons

  @Test func numbers() {
    #expect(
      kinds("42 1_000 0.5 1e-3 2.5E+4 007 3e2") == [
        .int(42), .int(1000), .float(0.5), .float(0.001), .float(25000), .int(7), .float(300), .endOfInput,
      ])
  }

  @Test func neuronLiteralsNeedNoSpaces() {
    #expect(
      kinds("f(k:20, 6:12, 6 : 1, 1_0:2_5)") == [
        .name("f"), .leftParen, .name("k"), .colon, .int(20), .comma, .neuron(layer: 6, index: 12), .comma,
        .int(6), .colon, .int(1), .comma, .neuron(layer: 10, index: 25), .rightParen, .endOfInput,
      ])
  }

  @Test func rangesAfterIntegersAreNotFractions() {
    #expect(
      kinds("0..<30 0...29") == [.int(0), .halfOpenRange, .int(30), .int(0), .closedRange, .int(29), .endOfInput])
  }

  @Test func malformedNumbers() {
    let cases: [(String, String)] = [
      ("12abc", "1:1-1:6 malformed number '12abc'"),
      ("0x1F", "1:1-1:5 malformed number '0x1F'"),
      ("6:12.5", "1:1-1:7 malformed number '6:12.5'"),
      ("1e", "1:1-1:3 expected digits in the exponent of '1e'"),
      ("2E+", "1:1-1:4 expected digits in the exponent of '2E+'"),
      ("99999999999999999999", "1:1-1:21 integer '99999999999999999999' is too large"),
      ("1e999", "1:1-1:6 number '1e999' is too large"),
      ("6:99999999999999999999", "1:1-1:23 neuron literal '6:99999999999999999999' is too large"),
    ]
    for (text, message) in cases {
      let result = lex(text)
      #expect(result.diagnostics.map { "\($0.range!.start)-\($0.range!.end) \($0.message)" } == [message])
      #expect(result.tokens.map(\.kind) == [.invalid, .endOfInput], "\(text)")
    }
  }

  // MARK: - Strings

  @Test func escapes() {
    #expect(kinds(#""a\n\t\r\0\"\\ \u{1F600}\u{e9}""#) == [.string("a\n\t\r\0\"\\ 😀é"), .endOfInput])
  }

  @Test func tripleQuotedStringsSpanLinesAndDropTheClosingIndentation() {
    let text = "x = \"\"\"\n    hello\n      \"world\"\n\n    \"\"\"\ny"
    let tokens = lex(text).tokens
    #expect(
      tokens.map(\.kind) == [.name("x"), .equal, .string("hello\n  \"world\"\n"), .newline, .name("y"), .endOfInput])
    #expect(tokens[2].range.end == NxpCore.SourceLocation(line: 5, column: 8, offset: 40))
    #expect(tokens[4].range.start.line == 6)
  }

  @Test func tripleQuotedStringsOnOneLineKeepTheirText() {
    #expect(kinds(#""""say "hi" there""""#) == [.string(#"say "hi" there"#), .endOfInput])
    // The first three quotes close the string, as in Python and Swift.
    #expect(kinds(#""""a"""""#) == [.string("a"), .string(""), .endOfInput])
    #expect(kinds("\"\"\"a\n  b\"\"\"") == [.string("a\n  b"), .endOfInput])
    #expect(kinds("\"\"\"\n\"\"\"") == [.string(""), .endOfInput])
    #expect(kinds("\"\"\"\\\"\"\"\"") == [.string("\""), .endOfInput])
  }

  @Test func stringErrors() {
    let cases: [(String, String, [String])] = [
      (
        "x = \"abc\ny", "1:5-1:9 unterminated string",
        ["a string ends on the line where it starts; use \"\"\" for text that spans lines"]
      ),
      ("x = \"abc", "1:5-1:9 unterminated string", []),
      (#"x = "a\qb""#, #"1:7-1:9 invalid escape sequence '\q'"#, [Lexer.escapeHelp]),
      (
        #""\u{110000}""#, #"1:2-1:12 invalid unicode escape '\u{110000}'"#,
        [#"write a Unicode scalar value in hex, like \u{1F600}"#]
      ),
      (
        #""\u{}""#, #"1:2-1:6 invalid unicode escape '\u{}'"#, [#"write a Unicode scalar value in hex, like \u{1F600}"#]
      ),
      (#""\u41""#, #"1:2-1:4 invalid unicode escape '\u'"#, [#"write a Unicode scalar value in hex, like \u{1F600}"#]),
      ("\"\"\"a\\\nb\"\"\"", "1:5-1:6 a backslash at the end of a line is not an escape", []),
    ]
    for (text, message, help) in cases {
      let result = lex(text)
      #expect(result.diagnostics.map { "\($0.range!.start)-\($0.range!.end) \($0.message)" } == [message], "\(text)")
      #expect(result.diagnostics.first?.help == help)
      #expect(!result.endsInsideString)
    }
  }

  @Test func unterminatedTripleQuotedStringEndsInsideAString() {
    let result = lex("x = \"\"\"abc\ndef\n")
    #expect(
      result.diagnostics.map { "\($0.range!.start)-\($0.range!.end) \($0.message)" } == [
        "1:5-1:8 unterminated triple-quoted string"
      ])
    #expect(result.endsInsideString)
    #expect(result.tokens.last?.range.start == NxpCore.SourceLocation(line: 3, column: 1, offset: 15))
  }

  // MARK: - Comments and cells

  @Test func commentsAreDroppedAndCellMarkersKept() {
    #expect(
      kinds("# %% Setup  \nx = 1 # note\n  # %% indented is a comment\n#%% no space\n# expect: 3\n# %%") == [
        .cellMarker(title: "Setup"), .newline, .name("x"), .equal, .int(1), .newline, .newline, .newline, .newline,
        .cellMarker(title: ""), .endOfInput,
      ])
  }

  // MARK: - Characters the language does not use

  @Test func unexpectedCharacters() {
    let cases: [(String, String, [String])] = [
      ("x = a @ b", "1:7-1:8 unexpected character '@'", []),
      ("x = a @$ b", "1:7-1:9 unexpected characters '@$'", []),
      ("x = 1..2", "1:6-1:8 unexpected '..'", ["write '..<' for a half-open range or '...' for a closed one"]),
      ("x | f", "1:3-1:4 unexpected character '|'", ["the pipe operator is written '|>'"]),
      ("x = 'abc' + 1", "1:5-1:10 strings are written in double quotes", ["write \"...\" instead of '...'"]),
      ("x = \u{0}", "1:5-1:6 unexpected character U+0000", []),
      ("x = \u{A0}1", "1:5-1:6 unexpected character U+00A0", []),
      ("café = 1", "1:4-1:5 unexpected character 'é'", []),
    ]
    for (text, message, help) in cases {
      let result = lex(text)
      #expect(result.diagnostics.map { "\($0.range!.start)-\($0.range!.end) \($0.message)" } == [message], "\(text)")
      #expect(result.diagnostics.first?.help == help)
      #expect(result.tokens.contains { $0.kind == .invalid })
    }
  }
}

/// The lexer walks bytes; its locations must still be those of the text's characters.
@Suite struct LexerLocationTests {
  /// Pieces that are hard for a byte-level reader: letters joined by combining marks, emoji of
  /// several scalars, `\r\n` and a lone `\r`, tabs, non-ASCII in strings, comments and as stray
  /// characters, triple-quoted strings over lines.
  static let pieces = [
    "x", "name_2", " ", "\t", "\n", "\r\n", "\r", "= ", "42", "6:12", "1.5e-3", "(", ")", "[", "]", ", ", "|> f",
    "..<", "\"ascii\"", "\"é😀\"", "\"e\u{301}\"", "\"👩‍👩‍👧\"", "\"a\\n\\u{1F600}\"", "e\u{301}", "é", "x\u{301}",
    "🇫🇷", "@", "# comment é\n", "# %% Cell é\n", "\"\"\"\n  two\r\n  lines é\n  \"\"\"", "'single'", "\"open",
  ]

  @Test func everyTokenStartsWhereItsCharactersSayItDoes() {
    var random = RobustnessTests.Random(state: 7)
    for _ in 0..<300 {
      let text = (0..<Int.random(in: 1...30, using: &random)).map { _ in Self.pieces.randomElement(using: &random)! }
        .joined()
      let bytes = Array(text.utf8)
      let tokens = lex(text).tokens
      var previousEnd = 0
      for token in tokens {
        for location in [token.range.start, token.range.end] {
          // The line and column of a byte offset: lines end at `\n` bytes (also of `\r\n`),
          // columns count the String's own characters since the line's start.
          let before = bytes[0..<location.offset]
          let lineStart = (before.lastIndex(of: 10) ?? -1) + 1
          let column = String(decoding: bytes[lineStart..<location.offset], as: UTF8.self).count + 1
          #expect(location.line == before.count { $0 == 10 } + 1, "\(text.debugDescription) at \(location)")
          #expect(location.column == column, "\(text.debugDescription) at \(location)")
        }
        #expect(token.range.start.offset >= previousEnd)
        #expect(token.text == String(decoding: bytes[token.range.start.offset..<token.range.end.offset], as: UTF8.self))
        previousEnd = token.range.end.offset
      }
      #expect(tokens.last?.kind == .endOfInput && tokens.last?.range.start.offset == bytes.count)
    }
  }

  @Test func aCombiningMarkMakesALetterAStrayCharacter() {
    // `x` with a combining acute accent is one character, and not a name.
    #expect(kinds("a x\u{301} b") == [.name("a"), .invalid, .name("b"), .endOfInput])
    #expect(lex("a x\u{301} b").diagnostics.map(\.message) == ["unexpected character 'x\u{301}'"])
    #expect(kinds("\"e\u{301}\" + é") == [.string("e\u{301}"), .plus, .invalid, .endOfInput])
  }
}
