import Foundation
import NxpRuntime
import Testing

/// Cache keys: stable under renames and comments, changed exactly downstream of an edit.
@Suite struct KeyTests {
  let files = ["a.txt": "alpha\n\nbeta\n", "b.txt": "gamma\n"]

  @Test func renamingABindingOrEditingCommentsKeepsKeys() throws {
    let f = try ScriptFixture(files: files)
    let k1 = try f.keys("docs = corpus(\"a.txt\")\nfirst = docs |> head(1)\n")
    let k2 = try f.keys("# a comment\ntexts = corpus(\"a.txt\")   # trailing\n\n\nopening = texts |> head(1)\n")
    #expect(k1["docs"] == k2["texts"])
    #expect(k1["first"] == k2["opening"])
    #expect(k1["docs"]?.count == 64)
  }

  @Test func pipeAndCallFormsGiveTheSameKey() throws {
    let f = try ScriptFixture(files: files)
    let k = try f.keys("a = corpus(\"a.txt\") |> head(1)\nb = head(corpus(\"a.txt\"), n: 1)\n")
    #expect(k["a"] == k["b"])
  }

  @Test func defaultsSpelledOutGiveTheSameKey() throws {
    let f = try ScriptFixture(files: files)
    let k = try f.keys("a = corpus(\"a.txt\")\nb = corpus(\"a.txt\", split: \"paragraphs\", field: \"text\")\n")
    #expect(k["a"] == k["b"])
  }

  @Test func changingAParamChangesExactlyTheKeysDownstreamOfIt() throws {
    let f = try ScriptFixture(files: files)
    let script = """
      param n = 1
      docs = corpus("a.txt")
      firstN = docs |> head(n)
      sorted = firstN |> sort(by: "bytes")
      other = docs |> table
      """
    let before = try f.keys(script)
    let after = try f.keys(script, overrides: ["n": .int(2)])
    #expect(before["docs"] == after["docs"])
    #expect(before["other"] == after["other"])
    #expect(before["firstN"] != after["firstN"])
    #expect(before["sorted"] != after["sorted"])
  }

  @Test func editingAnInputFileChangesTheKeysThatReadIt() throws {
    let f = try ScriptFixture(files: files)
    let script = "a = corpus(\"a.txt\") |> head(1)\nb = corpus(\"b.txt\") |> head(1)\n"
    let before = try f.keys(script)
    // A different size guarantees the stat-based memo sees the change.
    try f.write("a.txt", "alpha changed\n\nbeta\n")
    let after = try f.keys(script)
    #expect(before["a"] != after["a"])
    #expect(before["b"] == after["b"])
  }

  @Test func intAndFloatArgumentsDiffer() throws {
    let f = try ScriptFixture(files: files)
    let k = try f.keys("t = corpus(\"a.txt\") |> table\na = t |> where(\"bytes\", above: 5)\nb = t |> where(\"bytes\", above: 5.0)\n")
    #expect(k["a"] != k["b"])
  }
}

extension KeyTests {
  @Test func aNeuronAndARecordOfTheSameFieldsDiffer() throws {
    let f = try ScriptFixture(files: files)
    let k = try f.keys(
      "t = corpus(\"a.txt\") |> table\na = t |> where(\"document\", equals: 6:1)\nb = t |> where(\"document\", equals: {layer: 6, index: 1})\n"
    )
    #expect(k["a"] != k["b"])
  }

  @Test func aRangeAndAListOfItsIntsDiffer() throws {
    let f = try ScriptFixture(files: files)
    let k = try f.keys(
      "t = corpus(\"a.txt\") |> table\na = t |> where(\"document\", equals: 0..<2)\nb = t |> where(\"document\", equals: [0, 1])\n")
    #expect(k["a"] != k["b"])
  }
}
