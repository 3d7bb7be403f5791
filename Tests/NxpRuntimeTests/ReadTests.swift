import Foundation
import NxpRuntime
import Testing

/// `read(path)`: a text file as a string, keyed by the file's content.
@Suite struct ReadTests {
  let files = ["a.txt": "one cat\n\ntwo dogs\n\nthree cats\n", "needle.txt": "cat"]

  @Test func aFileReadsAsAStringWhereverAStringGoes() throws {
    let f = try ScriptFixture(files: files)
    let out = try f.run(
      "needle = read(\"needle.txt\")\nshow needle\nshow corpus(\"a.txt\") |> where(\"text\", contains: needle) |> select(\"text\")\n")
    #expect(out == "cat\ntext\n----------\none cat\nthree cats\n")
  }

  @Test func editingTheFileChangesTheKeysThatReadIt() throws {
    let f = try ScriptFixture(files: files)
    let script = "needle = read(\"needle.txt\")\nhits = corpus(\"a.txt\") |> where(\"text\", contains: needle)\nall = corpus(\"a.txt\")\n"
    let before = try f.keys(script)
    try f.write("needle.txt", "dogs")
    let after = try f.keys(script)
    #expect(before["needle"] != after["needle"])
    #expect(before["hits"] != after["hits"])
    #expect(before["all"] == after["all"])
  }

  @Test func textThatIsNotUTF8IsAClearError() throws {
    let f = try ScriptFixture(files: files)
    try Data("ok\nbad \u{00}".utf8.dropLast() + [0xFF, 0x41]).write(to: URL(fileURLWithPath: f.dir + "/latin1.txt"))
    #expect(throws: (any Error).self) { try f.run("show read(\"latin1.txt\")\n") }
    do {
      _ = try f.run("show read(\"latin1.txt\")\n")
    } catch {
      #expect("\(error)".contains("read: 'latin1.txt' is not UTF-8 text: byte 0xFF at line 2, column 5 (offset 7)"))
    }
  }

  @Test func missingFilesAndComputedPathsAreFoundBeforeAnythingRuns() throws {
    let f = try ScriptFixture(files: files)
    #expect(try f.errors("show read(\"nope.txt\")\n").contains("nope.txt"))
    let computed = try f.errors("name = read(\"needle.txt\")\nshow corpus(name)\n")
    #expect(computed.contains("`source:` of corpus names the files it reads, so it must be written in the script, not computed"))
  }
}
