import NxpCore
import Testing

@testable import NxpSyntax

@Suite struct ParserExpressionTests {
  @Test(arguments: [
    ("1 + 2 * 3", "(+ 1 (* 2 3))"),
    ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
    ("1 - 2 - 3", "(- (- 1 2) 3)"),
    ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
    ("1 * 2 + 3 / 4 - 5", "(- (+ (* 1 2) (/ 3 4)) 5)"),
    ("-x.y[0]", "(- ([] (. x y) 0))"),
    ("--1", "(- (- 1))"),
    ("-2 * 3", "(* (- 2) 3)"),
    ("0..<n + 1", "(..< 0 (+ n 1))"),
    ("0...29", "(... 0 29)"),
    ("a..<b |> f", "(|> (..< a b) (call-bare f))"),
    ("a + b |> f", "(|> (+ a b) (call-bare f))"),
    ("x |> f(a, k: 1) |> g", "(|> (|> x (call f a k:1)) (call-bare g))"),
    ("x |> f()", "(|> x (call f))"),
    ("f(x |> g, y)", "(call f (|> x (call-bare g)) y)"),
    ("x.name[0].other", "(. ([] (. x name) 0) other)"),
    ("f(x)[1].y", "(. ([] (call f x) 1) y)"),
    ("(a).b", "(. a b)"),
    ("[1, 2,]", "(list 1 2)"),
    ("[]", "(list)"),
    ("[[1], [2, [3]]]", "(list (list 1) (list 2 (list 3)))"),
    ("{key: 1, \"quoted key\": \"v\",}", "(record \"key\":1 \"quoted key\":\"v\")"),
    ("{}", "(record)"),
    ("f()", "(call f)"),
    ("f (x, k: 20)", "(call f x k:20)"),
    ("f(6:12, layer: 6:13, k:2)", "(call f neuron(6,12) layer:neuron(6,13) k:2)"),
    ("[true, false, none, 1.5, 2e3, \"s\"]", "(list true false none 1.5 2000.0 \"s\")"),
    ("x[0..<3]", "([] x (..< 0 3))"),
    ("(((1)))", "1"),
  ])
  func structure(_ text: String, _ expected: String) {
    #expect(tree(text) == expected)
  }

  @Test func rangesCoverTheWholeExpression() throws {
    let e = try #require(expression("f(a, k: 1) |> g(2)"))
    #expect(e.range == SourceRange(loc(1, 1, 0), loc(1, 19, 18)))
    guard case .pipe(let input, let call) = e.kind else { throw Failure("not a pipe") }
    #expect(input.range == SourceRange(loc(1, 1, 0), loc(1, 11, 10)))
    #expect(call.range == SourceRange(loc(1, 15, 14), loc(1, 19, 18)))
    guard case .call(let inner) = input.kind else { throw Failure("not a call") }
    #expect(
      inner.arguments.map(\.range) == [
        SourceRange(loc(1, 3, 2), loc(1, 4, 3)), SourceRange(loc(1, 6, 5), loc(1, 10, 9)),
      ])
    #expect(inner.arguments[1].label == Identifier("k", range: SourceRange(loc(1, 6, 5), loc(1, 7, 6))))
  }

  @Test func parenthesesBelongToTheRange() throws {
    let e = try #require(expression("(1 + 2)"))
    #expect(e.range == SourceRange(loc(1, 1, 0), loc(1, 8, 7)))
  }

  @Test func pipedArgumentsPutTheInputFirst() throws {
    let e = try #require(expression("x |> f(a, k: 1)"))
    guard case .pipe(let input, let call) = e.kind else { throw Failure("not a pipe") }
    #expect(
      call.arguments(piping: input).map { ($0.label?.name ?? "_") + "=" + $0.value.description } == [
        "_=x", "_=a", "k=1",
      ])
    #expect(call.positional.map(\.description) == ["a"])
  }

  @Test func integerLiteralsAreWhole64BitValues() {
    #expect(tree("9223372036854775807") == "9223372036854775807")
    #expect(tree("-9223372036854775807") == "(- 9223372036854775807)")
  }
}

@Suite struct SingleExpressionTests {
  @Test func valuesForSetParseAlone() {
    let cases: [(String, String?, Bool, [String])] = [
      ("-3", "-3", true, []),
      ("[1, 2.5, \"a\", 6:1, {k: none}]", "[1, 2.5, \"a\", 6:1, {k: none}]", true, []),
      ("0..<3", "0..<3", true, []),
      ("f(x)", "f(x)", false, []),
      ("n * 2", "n * 2", false, []),
      ("1 2", nil, false, ["1:3 expected end of input after expression"]),
      ("", nil, false, ["1:1 expected expression"]),
      ("1 @", nil, false, ["1:3 unexpected character '@'"]),
    ]
    for (text, printed, literal, errors) in cases {
      let (e, diagnostics) = Parser.parseExpression(text, path: "<set>")
      #expect(e?.description == printed, "\(text)")
      #expect((e?.isLiteral ?? false) == literal, "\(text)")
      #expect(located(diagnostics) == errors, "\(text)")
    }
  }

  @Test func statementsListTheirExpressions() {
    let statements = parse("show a, b\nx = 1\nimport \"p\"\nf(2)").script.statements
    #expect(statements.map { $0.expressions.map(\.description) } == [["a", "b"], ["1"], [], ["f(2)"]])
  }
}
