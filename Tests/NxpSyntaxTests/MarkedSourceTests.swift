import NxpCore
import NxpTestSupport
import Testing

@Suite struct MarkedSourceTests {
  @Test func stripsMarkersAndRecordsTheirPositions() {
    let m = MarkedSource("x = f(1️⃣\n  2️⃣é 3️⃣")
    #expect(m.text == "x = f(\n  é ")
    #expect(m["1️⃣"] == NxpCore.SourceLocation(line: 1, column: 7, offset: 6))
    #expect(m["2️⃣"] == NxpCore.SourceLocation(line: 2, column: 3, offset: 9))
    // "é" is two UTF-8 bytes and one column.
    #expect(m["3️⃣"] == NxpCore.SourceLocation(line: 2, column: 5, offset: 12))
    #expect(m["4️⃣"] == nil)
  }

  @Test func makesASourceFile() {
    let file = MarkedSource("a1️⃣\nb").file(path: "m.nxp")
    #expect(file.path == "m.nxp")
    #expect(file.lines == ["a", "b"])
  }
}
