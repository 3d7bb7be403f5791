import NxpCore
import Testing

@testable import NxpSyntax

/// The REPL reads another line while input is incomplete, and reports errors at once.
@Suite struct IncompleteInputTests {
  @Test(arguments: [
    "x = f(1,", "x = f(", "x = [", "x = [1,\n 2", "x = {a: 1", "x = (1 +", "x = 1 +", "x = 1 *\n", "x = -",
    "x = a |>", "top = topk(acts)\n  |>", "x =", "x =\n\n", "param n =", "show a,", "show a, b,\n", "x = 0..<",
    "x = \"\"\"abc", "x = f(\"\"\"abc\n", "x = f(\n  a,\n", "x = f(k:", "# %% Cell\nx = [\n",
  ])
  func incomplete(_ text: String) {
    let result = parse(text)
    #expect(result.status == .incomplete)
    #expect(result.isIncomplete)
    // The error a file would get; an open triple-quoted string inside brackets gives two.
    #expect(!result.diagnostics.isEmpty)
  }

  @Test(arguments: [
    "x = 1)", ")", "]", "x = \"abc", "x = f(1 2", "x = 1 +\n)", "show", "x = a.", "import", "x = 1,",
    "x = f(1) 2 +", "x = @ +", "x = 1 2\ny = (", "x = (1\ny = 2\n", "x = \"abc\\q\"\"\"\"", "x = 1..",
  ])
  func invalid(_ text: String) {
    let result = parse(text)
    #expect(result.status == .invalid)
    #expect(!result.isIncomplete)
  }

  @Test(arguments: [
    "x = 1", "show a, b", "x = f(1)\n", "# %% A", "", "x = f(1,\n 2)", "x = 1 +\n 2", "top = a\n  |> f",
    "x = \"\"\"\nabc\n\"\"\"",
  ])
  func complete(_ text: String) {
    let result = parse(text)
    #expect(result.status == .complete)
    #expect(result.diagnostics.isEmpty)
  }
}
