import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

/// Input a new user wrote that once crashed, hung or gave a confusing message.
@Suite struct HostileInputTests {
  // MARK: - Numbers

  @Test func underflowingFloatLiteralIsAnError() {
    let result = parse("x = 1e-400\ny = 1e-300\nz = 0.0e-999\n")
    #expect(located(result.diagnostics) == ["1:5 number '1e-400' is too small: it would be read as 0"])
  }

  // MARK: - Chains are not nesting

  @Test func flatChainsOfThousandsOfTermsParse() throws {
    let terms = Parser.maxChain
    for text in [
      "x = " + Array(repeating: "1", count: terms).joined(separator: " + "),
      "x = " + Array(repeating: "2", count: terms).joined(separator: " * "),
      "x = a" + String(repeating: " |> f", count: terms - 1),
      // 129 terms was once "too deeply nested".
      "x = " + Array(repeating: "1", count: 129).joined(separator: " - "),
    ] {
      let result = parse(text)
      #expect(result.diagnostics.map(\.message) == [], "\(text.prefix(40))")
      #expect(result.script.statements.count == 1)
    }
  }

  @Test func chainPastTheBoundIsAnError() {
    let text = "x = " + Array(repeating: "1", count: Parser.maxChain + 1).joined(separator: " + ")
    #expect(parse(text).diagnostics.map(\.message) == ["this chain has more than \(Parser.maxChain) terms"])
    let pipes = "x = a" + String(repeating: " |> f", count: Parser.maxChain)
    #expect(parse(pipes).diagnostics.map(\.message) == ["this chain has more than \(Parser.maxChain) terms"])
  }

  @Test func realNestingStillCounts() {
    // Parentheses around the right operand nest; a chain's left operand does not.
    let nested = "x = " + String(repeating: "1 + (", count: 200) + "1" + String(repeating: ")", count: 200)
    #expect(parse(nested).diagnostics.map(\.message) == ["expression is too deeply nested"])
  }

  @Test func chainsPrintCompareAndHashLikeTheirSource() {
    for text in ["x = (a + b) * c - d / e |> f(1) |> g", "x = (a |> f) + 1 - 2", "x = a - (b - c) * (d |> f)"] {
      let tree = parse(text).script.statements[0]
      #expect(tree.description == text)
      let again = parse(text).script.statements[0]
      #expect(tree == again)
      #expect(tree.hashValue == again.hashValue)
    }
    #expect(parse("x = a - b - c").script.statements != parse("x = a - b - d").script.statements)
    #expect(parse("x = a |> f(1) |> g").script.statements != parse("x = a |> f(2) |> g").script.statements)

    let long = "x = " + Array(repeating: "a", count: 5000).joined(separator: " - ")
    let parsed = parse(long).script.statements
    #expect(parsed.map(\.description) == [long])
    #expect(parsed == parse(long).script.statements)
  }

  @Test func longestChainsAreSafeOnASmallStack() {
    // Parsed, resolved, printed, compared, hashed and released on a thread with a 2 MiB stack.
    let n = Parser.maxChain
    let inputs = [
      "x = " + Array(repeating: "1", count: n).joined(separator: " + "),
      "x = a" + String(repeating: " |> f", count: n - 1),
    ]
    let outcomes = Outcomes()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      for text in inputs {
        var result: ParseResult? = parse(text)
        let program = Resolver(primitives: ["f"]).resolve(result!)
        var hasher = Hasher()
        result!.script.statements.hash(into: &hasher)
        let same = result!.script.statements == parse(text).script.statements
        outcomes.append("\(result!.diagnostics.count) \(program.diagnostics.count) \(same) \(result!.script.description.count)")
        result = nil
      }
      done.signal()
    }
    thread.stackSize = 2 << 20
    thread.start()
    done.wait()
    #expect(outcomes.all == ["0 0 true \(inputs[0].count)", "0 1 true \(inputs[1].count)"])
  }

  // MARK: - Cells

  @Test func twoCellsWithOneTitleAreAnError() {
    let result = parse("# %% Load\nx = 1\n# %% Show\nshow x\n# %% Load\ny = 2\n# %%\n# %%\n")
    #expect(located(result.diagnostics) == ["5:1 a cell titled \"Load\" already exists at line 1"])
    #expect(result.diagnostics.first?.notes.map { "\($0.range!.start) \($0.message)" } == ["1:1 the first cell titled \"Load\" is here"])
  }

  // MARK: - Files that are not UTF-8

  @Test func nonUTF8ScriptReportsTheLineAndColumnOfTheFirstBadByte() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-utf8")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/latin1.nxp"
    // Line 2: `s = "caf` then 0xE9 (é in Latin-1) at column 9; "é" in UTF-8 on line 1 counts as one column.
    var bytes = Array("x = \"é\"\ns = \"caf".utf8)
    bytes += [0xE9]
    bytes += Array("\"\n".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let program = Resolver(primitives: []).load(path: path)
    let d = try #require(program.diagnostics.first)
    #expect(program.diagnostics.count == 1)
    #expect(d.range?.start == SourceLocation(line: 2, column: 9, offset: 17))
    #expect(d.message == "'\(path)' is not UTF-8 text: byte 0xE9 at line 2, column 9 (offset 17)")
    #expect(DiagnosticRenderer(colors: false).render(d).hasPrefix("\(path):2:9: error:"))
    #expect(SourceFile.firstInvalidUTF8(Array("ok ✓ 😀".utf8)) == nil)
    #expect(SourceFile.firstInvalidUTF8([0x61, 0xC0, 0x80]) == 1)  // overlong
    #expect(SourceFile.firstInvalidUTF8([0xED, 0xA0, 0x80]) == 0)  // surrogate
    #expect(SourceFile.firstInvalidUTF8([0x61, 0xE2, 0x9C]) == 1)  // cut short
  }

  // MARK: - Messages on the terminal

  @Test func aLongLineIsShownAsAWindowAroundTheColumn() {
    let text = "x = [" + Array(repeating: "1", count: 300_000).joined(separator: ", ") + ", @, 2]\n"
    let result = parse(text)
    let rendered = DiagnosticRenderer(colors: false).render(result.diagnostics)
    #expect(
      rendered == """
        test.nxp:1:900006: error: unexpected character '@'
         1 | ... 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, @, 2]
           |                                            ^

        """)
    #expect(rendered.utf8.count < 400)
  }

  @Test func controlCharactersInMessagesAndLinesAreMadeVisible() {
    let d = Diagnostic(
      .error, "no such file 'a\u{1B}[31mred\u{07}.txt'", file: SourceFile(path: "t\u{1B}.nxp", text: "x = \"\u{1B}]0;pwned\u{07}\" + y\n"),
      range: SourceRange(SourceLocation(line: 1, column: 19, offset: 18), SourceLocation(line: 1, column: 20, offset: 19)),
      help: ["bell \u{07}"])
    let out = DiagnosticRenderer(colors: false).render(d)
    #expect(!out.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(
      out == """
        t␛.nxp:1:19: error: no such file 'a␛[31mred␇.txt'
         1 | x = "␛]0;pwned␇" + y
           |                   ^
           = help: bell ␇

        """)
    #expect(TerminalText.visible("a\nb\tc\u{9B}d", keepingLines: true) == "a\nb\tc\\u{9b}d")
    #expect(TerminalText.visible("plain ✓ text") == "plain ✓ text")
  }
}

// MARK: - Big scripts

/// A script of millions of tokens on one line: the lexer reads bytes and the parser holds only
/// the tokens it is looking at.
@Suite struct BigScriptTests {
  @Test func theParserHoldsAFewThousandTokensOfAMillionTokenList() {
    let count = 500_000
    let text = "x = [" + (0..<count).map(String.init).joined(separator: ", ") + "]\nshow x\n"
    var parser = Parser(file: SourceFile(path: "big.nxp", text: text))
    let script = parser.script()
    parser.tokens.finish()
    #expect(parser.diagnostics.isEmpty && parser.tokens.diagnostics.isEmpty)
    guard case .binding(_, let value)? = script.statements.first?.kind, case .list(let items) = value.kind else {
      Issue.record("expected a binding of a list")
      return
    }
    #expect(items.count == count)
    #expect(items.last?.kind == .int(count - 1))
    #expect(items.last?.range.start.column == text.utf8.count - "]\nshow x\n".utf8.count - "\(count - 1)".count + 1)
    // About two tokens an element were read; at most two drop chunks were held at once.
    #expect(parser.tokens.mostHeld <= 2 * 4096 + 16, "held \(parser.tokens.mostHeld) tokens")
  }

  @Test func aLexicalErrorPastWhereParsingStoppedIsStillReported() {
    // parseExpression stops at the first token after the expression; the lexer reads the rest.
    let (expression, diagnostics) = Parser.parseExpression("1 2 'a'")
    #expect(expression == nil)
    #expect(diagnostics.map(\.message).sorted() == ["expected end of input after expression", "strings are written in double quotes"])
  }
}
