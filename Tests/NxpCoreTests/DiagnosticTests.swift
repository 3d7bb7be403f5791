import Testing
@testable import NxpCore

@Suite struct DiagnosticTests {
  @Test func rendersLocationSourceLineAndCaret() {
    let file = SourceFile(path: "demo.nxp", text: "model = load(\"x\")\nacts = recrod(model)\n")
    let start = SourceLocation(line: 2, column: 8, offset: 25)
    let end = SourceLocation(line: 2, column: 14, offset: 31)
    let d = Diagnostic.error("unknown primitive `recrod`", at: SourceRange(start, end), in: file, help: ["did you mean `record`?"])
    #expect(
      DiagnosticRenderer(colors: false).render(d) == """
        demo.nxp:2:8: error: unknown primitive `recrod`
         2 | acts = recrod(model)
           |        ^~~~~~
           = help: did you mean `record`?

        """)
  }

  @Test func countsSeveralErrors() {
    let file = SourceFile(path: "a.nxp", text: "x\ny\n")
    let a = Diagnostic.error("first", at: SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)), in: file)
    let b = Diagnostic.error("second", at: SourceRange(at: SourceLocation(line: 2, column: 1, offset: 2)), in: file)
    let text = DiagnosticRenderer(colors: false).render([a, b])
    #expect(text.hasPrefix("a.nxp:1:1: error: first\n"))
    #expect(text.contains("a.nxp:2:1: error: second\n"))
    #expect(text.hasSuffix("2 errors\n"))
  }

  @Test func suggestsNearMissNames() {
    let names = ["record", "topk", "load", "corpus", "excerpts"]
    #expect(NameSuggester.suggest("recrod", from: names) == "record")
    #expect(NameSuggester.suggest("lod", from: names) == "load")
    #expect(NameSuggester.suggest("zzzzzz", from: names) == nil)
    #expect(NameSuggester.editDistance("kitten", "sitting") == 3)
  }
}

@Suite struct CanonicalValueTests {
  @Test func intsAndFloatsDiffer() {
    #expect(CanonicalValue.int(1).sha256 != CanonicalValue.float(1).sha256)
  }

  @Test func recordFieldOrderDoesNotMatter() {
    let a = CanonicalValue.record(["k": .int(20), "random": .int(20)])
    let b = CanonicalValue.record(["random": .int(20), "k": .int(20)])
    #expect(a.sha256 == b.sha256)
    #expect(a.sha256 != CanonicalValue.record(["k": .int(21), "random": .int(20)]).sha256)
  }

  @Test func listBoundariesAreUnambiguous() {
    let a = CanonicalValue.list([.string("ab"), .string("c")])
    let b = CanonicalValue.list([.string("a"), .string("bc")])
    #expect(a.sha256 != b.sha256)
  }

  @Test func sha256OfKnownInput() {
    #expect(ContentHash.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }
}

@Suite struct SourceFileTests {
  @Test func linesEndAtLineFeedsAndCarriageReturnLineFeeds() {
    #expect(SourceFile(path: "a", text: "a = 1\r\nb = 2\n\nc").lines == ["a = 1", "b = 2", "", "c"])
    #expect(SourceFile(path: "a", text: "").lines == [""])
    #expect(SourceFile(path: "a", text: "x\n").lines == ["x", ""])
    // A lone carriage return does not end a line; one before the end of a line is dropped.
    #expect(SourceFile(path: "a", text: "a\rb\r\nc\r").lines == ["a\rb", "c"])
    #expect(SourceFile(path: "a", text: "é😀\ne\u{301}\r\n👩‍👩‍👧").lines == ["é😀", "e\u{301}", "👩‍👩‍👧"])
  }
}
