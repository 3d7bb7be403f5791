import Foundation
import NxpTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Damaged cache entries and folders that are not caches: each gives a clear message and loses
/// nothing, never a wrong result.
@Suite(.serialized) struct IntegrityTests {
  /// A copy of Examples/ (tables.nxp needs no model) in a fresh folder; the cache is `dir/cache`.
  static func examplesCopy() throws -> String {
    let dir = try TestEnvironment.temporaryDirectory("nxp-integrity")
    try FileManager.default.copyItem(atPath: TestEnvironment.repoRoot + "/Examples", toPath: dir + "/Examples")
    return dir
  }

  static func files(named prefix: String, under root: String) -> [String] {
    let walker = FileManager.default.enumerator(atPath: root)
    var found: [String] = []
    while let relative = walker?.nextObject() as? String {
      if (relative as NSString).lastPathComponent.hasPrefix(prefix) { found.append(root + "/" + relative) }
    }
    return found.sorted()
  }

  /// Changes one byte without changing the size: the first digit becomes the next digit, or
  /// else the first lower-case letter becomes upper case (a different number or word on show).
  static func corruptInPlace(_ path: String) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    if let i = bytes.firstIndex(where: { (0x30...0x39).contains($0) }) {
      bytes[i] = 0x30 + (bytes[i] - 0x30 + 1) % 10
    } else if let i = bytes.firstIndex(where: { (0x61...0x7A).contains($0) }) {
      bytes[i] -= 0x20
    } else {
      bytes[bytes.count / 2] ^= 0x01
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  // MARK: - Cached values

  @Test func aCachedValueChangedOnDiskIsRecomputedWithAWarning() throws {
    let dir = try Self.examplesCopy()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = ["run", "tables.nxp", "--cache", dir + "/cache", "--summary"]
    let first = try CommandRunner.nxp(run, in: dir + "/Examples")
    #expect(first.status == 0, "\(first)")
    let savedFirst = try Data(contentsOf: URL(fileURLWithPath: dir + "/Examples/out/sizes.csv"))
    let second = try CommandRunner.nxp(run, in: dir + "/Examples")
    #expect(second.stdout == first.stdout && second.stderr.contains("[0 computed,"), "\(second)")

    let values = Self.files(named: "value.", under: dir + "/cache/objects")
    #expect(values.count == 10, "\(values)")
    for path in values { try Self.corruptInPlace(path) }

    let third = try CommandRunner.nxp(run, in: dir + "/Examples")
    #expect(third.status == 0, "\(third)")
    #expect(third.stdout == first.stdout)
    #expect(third.stderr.contains("[10 computed, 0 loaded from cache"), "\(third.stderr)")
    let warnings = third.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: cache entry ") }
    #expect(warnings.count == 10, "\(third.stderr)")
    #expect(
      warnings.contains {
        $0.hasSuffix(
          " (notes |> table) was damaged (value file value.jsonl does not match its checksum (it changed on disk)); "
            + "removed it, recomputing")
      }, "\(third.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/Examples/out/sizes.csv")) == savedFirst)
    // The recomputed entries are sound.
    let verify = try CommandRunner.nxp(["cache", "verify", "--cache", dir + "/cache"])
    #expect(verify.status == 0 && verify.stdout == "checked 10 entries: 0 corrupt\n", "\(verify)")
  }

  @Test func verifyReportsAValueChangedOnDisk() throws {
    let dir = try Self.examplesCopy()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try CommandRunner.nxp(["run", "tables.nxp", "--cache", dir + "/cache"], in: dir + "/Examples").status == 0)
    let safe = Self.files(named: "value.", under: dir + "/cache/objects")
    try Self.corruptInPlace(safe[0])
    let verify = try CommandRunner.nxp(["cache", "verify", "--cache", dir + "/cache"])
    #expect(verify.status == 70, "\(verify)")
    #expect(verify.stdout.hasSuffix("checked 10 entries: 1 corrupt\n"), "\(verify)")
    #expect(verify.stdout.contains("does not match its SHA-256"), "\(verify)")
  }

  // MARK: - The cache marker

  @Test func cacheCommandsRefuseAFolderNxpDidNotMake() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-foreign")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let precious = dir + "/tmp/thesis/draft.txt"
    try FileManager.default.createDirectory(atPath: dir + "/tmp/thesis", withIntermediateDirectories: true)
    try Data("chapter 1".utf8).write(to: URL(fileURLWithPath: precious))
    for command in [["gc"], ["gc", "--all"], ["verify"], ["ls"], ["info", "ab"]] {
      let r = try CommandRunner.nxp(["cache"] + command + ["--cache", dir])
      #expect(r.status == 64, "\(command): \(r)")
      #expect(
        r.stderr.hasPrefix("error: '\(dir)' is not an nxp cache: it has no nxp-cache.json marker; check --cache"),
        "\(command): \(r.stderr)")
    }
    #expect(try String(contentsOfFile: precious, encoding: .utf8) == "chapter 1")
    #expect(!FileManager.default.fileExists(atPath: dir + "/nxp-cache.json"))
  }

  @Test func aRunMarksItsNewCacheAndTheCommandsThenWork() throws {
    let dir = try Self.examplesCopy()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // A folder that does not exist yet is an empty cache.
    let empty = try CommandRunner.nxp(["cache", "ls", "--cache", dir + "/cache"])
    #expect(empty.status == 0 && empty.stdout == "cache \(dir)/cache is empty\n", "\(empty)")
    #expect(try CommandRunner.nxp(["run", "tables.nxp", "--cache", dir + "/cache"], in: dir + "/Examples").status == 0)
    #expect(
      try String(contentsOfFile: dir + "/cache/nxp-cache.json", encoding: .utf8) == "{\"format\":\"nxp-cache\",\"version\":1}\n")
    let ls = try CommandRunner.nxp(["cache", "ls", "--cache", dir + "/cache"])
    #expect(ls.status == 0 && ls.stdout.contains("10 entries"), "\(ls)")
    let gc = try CommandRunner.nxp(["cache", "gc", "--all", "--cache", dir + "/cache"])
    #expect(gc.status == 0 && gc.stdout.hasPrefix("deleted 10 entries"), "\(gc)")
  }
}
