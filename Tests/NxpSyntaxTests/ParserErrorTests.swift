import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

@Suite struct ParserErrorTests {
  // MARK: - One error each, at the marker

  @Test(arguments: [
    ("x = f(1 1️⃣2)", "expected ',' between arguments"),
    ("x = [1, 2 1️⃣3]", "expected ',' between list elements"),
    ("x = {a: 1 1️⃣b: 2}", "expected ',' between record fields"),
    ("x = {1️⃣1: 2}", "expected field name in record"),
    ("x = {a 1️⃣2}", "expected ':' after field name"),
    ("x = 1 + 1️⃣)", "expected expression after '+'"),
    ("x = f(1️⃣,)", "expected expression after '('"),
    ("x = a[1️⃣]", "expected expression after '['"),
    ("1️⃣) + 1", "unexpected ')' without a matching '('"),
    ("x = f(1)1️⃣)", "unexpected ')' without a matching '('"),
    ("x = [1]1️⃣]", "unexpected ']' without a matching '['"),
    ("x = a 1️⃣b", "expected end of line after statement"),
    ("x = 11️⃣, 2", "expected end of line after statement"),
    ("show1️⃣", "expected expression after 'show'"),
    ("show 1️⃣)", "expected expression after 'show'"),
    ("param 1️⃣2 = 3", "expected parameter name after 'param'"),
    ("1️⃣param = 3", "'param' is a keyword and cannot be used as a name"),
    ("param n 1️⃣3", "expected '=' after parameter name"),
    ("param 1️⃣none = 3", "'none' is a keyword and cannot be used as a name"),
    ("import 1️⃣prelude", "expected a quoted path after 'import'"),
    ("1️⃣show = 1", "'show' is a keyword and cannot be used as a name"),
    ("1️⃣true = 1", "'true' is a keyword and cannot be used as a name"),
    ("x = a |> 1️⃣3", "expected a call or a name after '|>'"),
    ("x = a |> f1️⃣.b", "the right side of '|>' must be a call or a name"),
    ("x = a |> f(1) 1️⃣+ 1", "the right side of '|>' must be a call or a name"),
    ("1️⃣|> f", "'|>' must follow an expression"),
    ("x = f(6 1️⃣: 12)", "argument labels must be names"),
    ("x = f(1️⃣show: 1)", "'show' is a keyword and cannot be used as a label"),
    ("x = g(1)1️⃣(2)", "only a primitive can be called, by its name"),
    ("x = a.1️⃣1", "expected member name after '.'"),
    ("x = 0..<1 1️⃣..<2", "a range cannot be the bound of another range"),
    ("x = 1 1️⃣= 2", "expected end of line after statement"),
  ])
  func singleError(_ marked: String, _ message: String) {
    expectParseErrors(marked, [("1️⃣", message)])
  }

  @Test func errorsThatDoNotStopParsing() {
    expectParseErrors(
      "x = f(k: 1, 1️⃣2, 2️⃣k: 3)",
      [("1️⃣", "positional argument after labelled argument `k`"), ("2️⃣", "argument `k` is given twice")])
    expectParseErrors("x = {a: 1, 1️⃣a: 2}", [("1️⃣", "field `a` appears twice in the record")])
  }

  @Test func helpAndNotesComeWithTheError() throws {
    let argument = parse("x = f(6 : 12)").diagnostics
    #expect(argument.map(\.help) == [["a neuron is written without spaces, like 6:123"]])
    let twice = parse("x = f(k: 1, k: 2)").diagnostics
    #expect(located(twice.flatMap(\.notes)) == ["1:7 `k` is first given here"])
    let pipe = parse("|> f").diagnostics
    #expect(pipe.map(\.help) == [["a line that starts with '|>' continues the statement above it"]])
  }

  // MARK: - Errors at the end of a line point just after the last token

  @Test func aMissingCloserPointsAfterTheLastTokenAndNamesTheOpener() {
    let source = MarkedSource("x = f(1,\n      21️⃣\ny = 2\nz = 3 +2️⃣\n")
    let result = Parser.parse(source.file())
    #expect(
      located(result.diagnostics) == [
        "\(source["1️⃣"]!) expected ')' after arguments", "\(source["2️⃣"]!) expected expression after '+'",
      ])
    #expect(located(result.diagnostics[0].notes) == ["1:6 to match this '('"])
    #expect(result.status == .invalid)
    #expect(result.script.statements.map(\.description) == ["y = 2"])
  }

  @Test func theBriefestUnclosedCall() {
    let source = MarkedSource("x = f(1️⃣")
    let result = Parser.parse(source.file())
    #expect(located(result.diagnostics) == ["\(source["1️⃣"]!) expected ')' after arguments"])
    #expect(result.diagnostics[0].notes.isEmpty)
    #expect(result.status == .incomplete)
  }

  // MARK: - Recovery

  @Test func oneRunReportsEveryBrokenStatement() {
    let source = MarkedSource(
      """
      model = load("m"1️⃣
      texts = corpus()2️⃣)
      acts = record(model, texts 3️⃣layers: [6])
      show acts,4️⃣
      top = 5️⃣@ acts
      ok = 1
      """)
    let result = Parser.parse(source.file())
    #expect(
      located(result.diagnostics) == [
        "\(source["1️⃣"]!) expected ')' after arguments",
        "\(source["2️⃣"]!) unexpected ')' without a matching '('",
        "\(source["3️⃣"]!) expected ',' between arguments",
        "\(source["4️⃣"]!) expected expression after ','",
        "\(source["5️⃣"]!) unexpected character '@'",
      ])
    #expect(result.script.statements.map(\.description) == ["ok = 1"])
  }

  @Test func recoverySkipsTheRestOfAnOpenBracket() {
    // The error is inside the brackets; their later lines must not be read as statements.
    let result = parse("x = f(1,\n  2 3,\n  4)\n  |> g\ny = h(\n")
    #expect(
      located(result.diagnostics) == ["2:5 expected ',' between arguments", "5:7 expected ')' after arguments"])
  }

  @Test func anInvalidTokenGivesOneErrorPerStatement() {
    let result = parse("x = a @ b\ny = 1 + $\nz = 1")
    #expect(located(result.diagnostics) == ["1:7 unexpected character '@'", "2:9 unexpected character '$'"])
    #expect(result.script.statements.map(\.description) == ["z = 1"])
  }

  @Test func deeplyNestedInputIsAnErrorNotACrash() {
    let depth = 10_000
    for text in [
      String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth),
      String(repeating: "[", count: depth),
      String(repeating: "-", count: depth) + "1",
      "x = a" + String(repeating: ".b", count: depth),
    ] {
      let result = parse(text)
      #expect(result.diagnostics.map(\.message) == ["expression is too deeply nested"])
    }
    // Well below the bounds is fine.
    #expect(parse(String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40)).diagnostics.isEmpty)
    #expect(parse("x = " + Array(repeating: "1", count: 100).joined(separator: " + ")).diagnostics.isEmpty)
  }
}
