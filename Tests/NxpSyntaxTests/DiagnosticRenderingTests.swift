import NxpCore
import Testing

@testable import NxpSyntax

/// Whole diagnostics as a person sees them: location, message, source line, caret, help, notes.
@Suite struct DiagnosticRenderingTests {
  let renderer = DiagnosticRenderer(colors: false)

  @Test func aParseErrorWithTheBracketItMatches() {
    let result = Parser.parse(SourceFile(path: "test.nxp", text: "x = f(1,\n      2\ny = 2\n"))
    #expect(
      renderer.render(result.diagnostics) == """
        test.nxp:2:8: error: expected ')' after arguments
         2 |       2
           |        ^
        test.nxp:1:6: note: to match this '('
         1 | x = f(1,
           |      ^

        """)
  }

  @Test func resolverErrorsWithHelpAndNotes() {
    let file = SourceFile(path: "demo.nxp", text: "model = load(\"m\")\nacts = recrod(model)\na = b\nb = a\n")
    let program = Resolver(primitives: ["load", "record"]).resolve(Parser.parse(file))
    #expect(
      DiagnosticList(program.diagnostics).description == """
        demo.nxp:2:8: error: unknown primitive `recrod`
         2 | acts = recrod(model)
           |        ^~~~~~
           = help: did you mean `record`?
        demo.nxp:3:1: error: dependency cycle: a -> b -> a
         3 | a = b
           | ^
        demo.nxp:3:5: note: `a` uses `b` here
         3 | a = b
           |     ^
        demo.nxp:4:5: note: `b` uses `a` here
         4 | b = a
           |     ^
        2 errors

        """)
  }

  @Test func aLexerErrorUnderlinesTheWholeToken() {
    let result = Parser.parse(SourceFile(path: "w.nxp", text: "a = 1\r\nn = 12abc + \"x\\q\"\r\n"))
    #expect(
      renderer.render(result.diagnostics) == """
        w.nxp:2:5: error: malformed number '12abc'
         2 | n = 12abc + "x\\q"
           |     ^~~~~
        w.nxp:2:15: error: invalid escape sequence '\\q'
         2 | n = 12abc + "x\\q"
           |               ^~
           = help: the escapes are \\n \\t \\r \\0 \\" \\\\ and \\u{...}
        2 errors

        """)
  }
}
