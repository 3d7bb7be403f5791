import NxpCore
import Testing

@testable import NxpSyntax

@Suite struct PrettyPrinterTests {
  @Test(arguments: [
    ("f( x,k:1 )", "f(x, k: 1)"),
    ("(1+2)*3", "(1 + 2) * 3"),
    ("1-(2-3)", "1 - (2 - 3)"),
    ("(1-2)-3", "1 - 2 - 3"),
    ("1/(2*3)", "1 / (2 * 3)"),
    ("-(-x)", "-(-x)"),
    ("-(a+b)", "-(a + b)"),
    ("-a.b", "-a.b"),
    ("(a+b).c", "(a + b).c"),
    ("(-a)[0]", "(-a)[0]"),
    ("(0..<3)+1", "(0..<3) + 1"),
    ("0 ..< (n|>f)", "0..<(n |> f)"),
    ("(x |> f) |> g", "x |> f |> g"),
    ("x|>f( 1 )", "x |> f(1)"),
    ("f(x |> g)", "f(x |> g)"),
    ("{ \"a b\":1, c:2, \"if\": 3, \"show\": 4, \"\": 5 }", "{\"a b\": 1, c: 2, if: 3, \"show\": 4, \"\": 5}"),
    ("\"\"\"\n  a\n    \"b\"\t\\\\\n  \"\"\"", "\"a\\n  \\\"b\\\"\\t\\\\\""),
    ("\"\\u{7}\\u{1F600}\"", "\"\\u{7}😀\""),
    ("1.0", "1.0"),
    ("1e3", "1000.0"),
    ("1_000", "1000"),
    ("1e-7", "1e-07"),
    ("[ 1 , 2, ]", "[1, 2]"),
    ("6:123", "6:123"),
    ("true", "true"),
    ("none", "none"),
  ])
  func canonicalText(_ text: String, _ expected: String) {
    #expect(expression(text)?.description == expected)
  }

  @Test func statements() {
    let script = parse("param  n=3\nshow a,b\nimport   \"x.nxp\"\n# %%   T  \nx=f(n)\n").script
    #expect(
      script.statements.map(\.description) == ["param n = 3", "show a, b", "import \"x.nxp\"", "# %% T", "x = f(n)"])
    #expect(script.description == "param n = 3\nshow a, b\nimport \"x.nxp\"\n# %% T\nx = f(n)")
  }

  @Test func printedTextParsesToTheSameTree() {
    let sources = [
      "-(-(1)) - -2 * (3 - 4) / 5", "x |> f(a, b: [1, {c: 2}]) |> g", "(a + b)[0..<3].c", "-(a |> f).b",
      "f((0...2), k: -1.5e-3)", "\"tab\\t quote\\\" \\u{0}\"", "[6:1, 0:0, 1_000]",
    ]
    for source in sources {
      guard let e = expression(source) else { continue }
      let again = expression(e.description)
      #expect(again.map(sexp) == sexp(e), "\(source)")
    }
  }
}
