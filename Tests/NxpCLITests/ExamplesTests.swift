import Foundation
import NxpTestSupport
import Testing

/// Every `Examples/*.nxp` runs with the real binary and prints exactly its `# expect:` lines; a
/// second run over the same cache prints the same and computes nothing.
@Suite(.serialized) struct ExamplesTests {
  static let examples: [String] = {
    let dir = TestEnvironment.repoRoot + "/Examples"
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".nxp") }.sorted()
  }()

  @Test func thereAreExamples() {
    #expect(ExamplesTests.examples.contains("quickstart.nxp"))
    #expect(ExamplesTests.examples.contains("tables.nxp"))
  }

  @Test(arguments: ExamplesTests.examples)
  func exampleOutputMatchesExpectations(_ name: String) throws {
    // Run in a copy so `save` writes never land in the repository.
    let work = try TestEnvironment.temporaryDirectory("nxp-example")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let copy = work + "/Examples"
    try FileManager.default.copyItem(atPath: TestEnvironment.repoRoot + "/Examples", toPath: copy)
    let script = try String(contentsOfFile: copy + "/" + name, encoding: .utf8)
    let expected = ExpectLines.parse(script)
    #expect(!expected.isEmpty, "\(name) has no # expect: lines")

    let first = try CommandRunner.nxp(["run", name, "--cache", work + "/cache", "--summary"], in: copy)
    #expect(first.status == 0, "\(first)")
    try Self.compare(first.stdout, expected, name)

    let second = try CommandRunner.nxp(["run", name, "--cache", work + "/cache", "--summary"], in: copy)
    #expect(second.status == 0, "\(second)")
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("[0 computed,"), "re-run recomputed something: \(second.stderr)")
  }

  static func compare(_ stdout: String, _ expected: [String], _ name: String) throws {
    var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    for (i, e) in expected.enumerated() {
      guard i < lines.count else {
        Issue.record("\(name): output ended before expected line \(i + 1): \(e)")
        return
      }
      #expect(ExpectLines.matches(lines[i], e), "\(name) line \(i + 1):\n  expected: \(e)\n  actual:   \(lines[i])")
    }
    #expect(lines.count == expected.count, "\(name): \(lines.count) output lines, \(expected.count) expected:\n\(stdout)")
  }
}
