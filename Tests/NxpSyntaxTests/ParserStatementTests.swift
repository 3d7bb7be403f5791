import NxpCore
import Testing

@testable import NxpSyntax

@Suite struct ParserStatementTests {
  @Test func everyStatementForm() throws {
    let result = parse(
      """
      # neurons of layer 6 of SmolLM2
      # %% Setup
      import "prelude.nxp"
      param layer = 6
      model = load("smollm2-135m")
      show model, layer
      save(model, to: "m.safetensors")
      one = 6:123

      """)
    #expect(result.diagnostics.isEmpty)
    #expect(result.status == .complete)
    let statements = result.script.statements
    #expect(
      statements.map(\.description) == [
        "# %% Setup", "import \"prelude.nxp\"", "param layer = 6", "model = load(\"smollm2-135m\")",
        "show model, layer", "save(model, to: \"m.safetensors\")", "one = 6:123",
      ])
    #expect(
      statements.map { "\($0.range.start)-\($0.range.end)" } == [
        "2:1-2:11", "3:1-3:21", "4:1-4:16", "5:1-5:29", "6:1-6:18", "7:1-7:33", "8:1-8:12",
      ])
    guard case .import(let path, let pathRange) = statements[1].kind else { throw Failure("not an import") }
    #expect(path == "prelude.nxp")
    #expect("\(pathRange.start)-\(pathRange.end)" == "3:8-3:21")
    guard case .param(let name, let value) = statements[2].kind else { throw Failure("not a param") }
    #expect(name == Identifier("layer", range: SourceRange(loc(4, 7, 70), loc(4, 12, 75))))
    #expect(value.kind == .int(6))
    guard case .show(let values) = statements[4].kind else { throw Failure("not a show") }
    #expect(values.map(\.description) == ["model", "layer"])
    guard case .expression(let e) = statements[5].kind, case .call(let call) = e.kind else {
      throw Failure("not a call statement")
    }
    #expect(call.callee.name == "save")
    #expect(call.argument(labelled: "to")?.kind == .string("m.safetensors"))
    #expect(statements[6].definedName?.name == "one")
  }

  @Test func cellsGroupStatementsUnderTheirTitles() {
    let script = parse(
      """
      x = 1
      # %% Setup
      a = 2
      show a
      # %% Explain it
      b = a
      """
    ).script
    #expect(script.cells.map(\.title) == [nil, "Setup", "Explain it"])
    #expect(script.cells.map(\.statements) == [[0], [2, 3], [5]])
    #expect(script.statements.map(\.cell) == [0, 1, 1, 1, 2, 2])
    #expect(script.cell(titled: "Explain it")?.index == 2)
    #expect(script.cell(titled: "Nope") == nil)
    #expect(script.cells[1].markerRange == SourceRange(loc(2, 1, 6), loc(2, 11, 16)))
    #expect(script.statements(inCell: 1).map(\.description) == ["a = 2", "show a"])
  }

  @Test func semicolonsSeparateStatementsOnOneLine() {
    let result = parse("a = 1; b = 2;; show a; f(b)")
    #expect(result.diagnostics.isEmpty)
    #expect(result.script.statements.map(\.description) == ["a = 1", "b = 2", "show a", "f(b)"])
  }

  @Test func emptyAndCommentOnlyScriptsHaveOneEmptyCell() {
    for text in ["", "\n\n", "# just a comment\n# expect: nothing\n"] {
      let result = parse(text)
      #expect(result.status == .complete)
      #expect(result.script.statements.isEmpty)
      #expect(result.script.cells == [Cell(index: 0, title: nil, markerRange: nil)])
    }
  }

  @Test func aLineEndingInAnOperatorOrEqualsOrShowCommaContinues() {
    let result = parse("x =\n  5\ny = 1 +\n\n  # why not\n  2\nshow x,\n  y\n")
    #expect(result.diagnostics.isEmpty)
    #expect(result.script.statements.map(\.description) == ["x = 5", "y = 1 + 2", "show x, y"])
  }

  @Test func aLineStartingWithAPipeContinuesTheStatementAbove() {
    let result = parse(
      """
      top = topk(acts, k: 20, random: 20)
        |> neurons(layer: layer, first: n)

        # the five best
        |> head(5)
      show top |> head(5), acts
        |> summary
      """)
    #expect(result.diagnostics.isEmpty)
    #expect(
      result.script.statements.map(\.description) == [
        "top = topk(acts, k: 20, random: 20) |> neurons(layer: layer, first: n) |> head(5)",
        "show top |> head(5), acts |> summary",
      ])
    #expect(result.script.statements[0].range == SourceRange(loc(1, 1, 0), loc(5, 13, 104)))
  }

  @Test func lineBreaksInsideBracketsDoNotCount() {
    let result = parse(
      """
      acts = record(
        model,
        texts,
        layers: [
          6,
          7,
        ],
        options: {
          "batch size": 8
        }
      )
      """)
    #expect(result.diagnostics.isEmpty)
    #expect(
      result.script.statements.map(\.description) == [
        "acts = record(model, texts, layers: [6, 7], options: {\"batch size\": 8})"
      ])
  }

  @Test func tripleQuotedStringsInsideCalls() {
    let result = parse(
      """
      expl = explain(top, prompt: \"\"\"
        Explain the neuron.
          Be brief.
        \"\"\", by: "local:smollm2-135m")
      """)
    #expect(result.diagnostics.isEmpty)
    #expect(
      result.script.statements.map(\.description) == [
        "expl = explain(top, prompt: \"Explain the neuron.\\n  Be brief.\", by: \"local:smollm2-135m\")"
      ])
  }
}

// MARK: - Small helpers

func loc(_ line: Int, _ column: Int, _ offset: Int) -> NxpCore.SourceLocation {
  NxpCore.SourceLocation(line: line, column: column, offset: offset)
}

struct Failure: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}
