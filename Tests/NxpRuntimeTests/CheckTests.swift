import Foundation
import NxpRuntime
import Testing

/// Static checks report every error with its location before anything runs.
@Suite struct CheckTests {
  @Test func unknownLabelSuggestsTheNearestOne() throws {
    let f = try ScriptFixture(files: ["a.txt": "x\n"])
    #expect(
      try f.errors("docs = corpus(\"a.txt\", limt: 3)\n") == """
        script.nxp:1:24: error: corpus has no parameter `limt:`
         1 | docs = corpus("a.txt", limt: 3)
           |                        ^~~~
           = help: did you mean `limit:`?
           = help: corpus takes `source:`, `split:`, `field:`, `limit:`

        """)
  }

  @Test func wrongArgumentTypeNamesTheParameter() throws {
    let f = try ScriptFixture(files: ["a.txt": "x\n"])
    let text = try f.errors("docs = corpus(\"a.txt\") |> head(\"ten\")\n")
    #expect(text.hasPrefix("script.nxp:1:32: error: argument `n` of head should be Int, got String\n"))
  }

  @Test func typeMismatchBetweenPrimitives() throws {
    let f = try ScriptFixture(files: ["a.txt": "x\n"])
    let text = try f.errors("docs = corpus(\"a.txt\")\ns = docs |> sort(by: 3)\n")
    #expect(text.hasPrefix("script.nxp:2:22: error: argument `by` of sort should be String or [String], got Int\n"))
  }

  @Test func severalErrorsInOneRun() throws {
    let f = try ScriptFixture(files: ["a.txt": "x\n"])
    let text = try f.errors("a = corpus(\"a.txt\", limt: 3)\nb = corpus(\"a.txt\") |> head(\"x\")\nc = recrod(a)\n")
    #expect(text.contains("script.nxp:1:21: error"))
    #expect(text.contains("script.nxp:2:29: error"))
    #expect(text.contains("script.nxp:3:5: error: unknown primitive `recrod`"))
  }

  @Test func missingRequiredArgument() throws {
    let f = try ScriptFixture()
    let text = try f.errors("t = sort(none)\n")
    #expect(text.contains("argument `table` of sort should be"))
    let text2 = try f.errors("d = corpus()\n")
    #expect(text2.hasPrefix("script.nxp:1:5: error: corpus needs `source:`"))
  }

  @Test func missingCorpusFileIsAnErrorAtTheCall() throws {
    let f = try ScriptFixture()
    #expect(
      try f.errors("x = 1\ndocs = corpus(\"nope.txt\")\n") == """
        script.nxp:2:8: error: corpus: no such file 'nope.txt' (resolved to nope.txt)
         2 | docs = corpus("nope.txt")
           |        ^~~~~~~~~~~~~~~~~~

        """)
  }

  @Test func overrideOfAnUnknownParamIsAnError() throws {
    let f = try ScriptFixture()
    #expect(throws: (any Error).self) { try f.graph("param layer = 6\nshow layer\n", overrides: ["layr": .int(3)]) }
    let g = try f.graph("param layer = 6\nshow layer\n", overrides: ["layer": .int(3)])
    #expect(g.params["layer"]?.int == 3)
  }

  @Test func overrideOfTheWrongTypeIsAnError() throws {
    let f = try ScriptFixture()
    #expect(throws: (any Error).self) { try f.graph("param layer = 6\nshow layer\n", overrides: ["layer": .string("x")]) }
    // An Int for a Float param becomes a Float.
    let g = try f.graph("param t = 0.5\nshow t\n", overrides: ["t": .int(1)])
    if case .float(let v)? = g.params["t"] { #expect(v == 1.0) } else { Issue.record("not a float") }
  }

  @Test func whereWithoutATestIsAnError() throws {
    let f = try ScriptFixture(files: ["a.txt": "x\n"])
    #expect(try f.errors("t = corpus(\"a.txt\") |> table |> where(\"bytes\")\n").contains("where needs a test"))
  }

  @Test func paramOverridesParse() throws {
    #expect(try ParamOverride.parse("n=10").1.int == 10)
    #expect(try ParamOverride.parse("xs=[6, 7]").1.ints == [6, 7])
    #expect(try ParamOverride.parse("r=0..<3").1.ints == [0, 1, 2])
    #expect(try ParamOverride.parse("path=notes.txt").1.string == "notes.txt")
    #expect(try ParamOverride.parse("s=\"quoted\"").1.string == "quoted")
    #expect(throws: (any Error).self) { try ParamOverride.parse("novalue") }
  }
}
