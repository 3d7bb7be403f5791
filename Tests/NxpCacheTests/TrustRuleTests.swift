import Foundation
import Testing

@testable import NxpCache

/// Ways an entry on disk can be damaged, and the problem each must be reported as.
enum EntryFault: CaseIterable, CustomStringConvertible {
  case truncatedFile
  case grownFile
  case missingFile
  case missingManifest
  case corruptManifest
  case oldFormatVersion
  case foreignKey

  var description: String { "\(self.expected)" }

  /// The entry is stored with `value.bin` of 1000 bytes.
  var expected: EntryProblem {
    switch self {
    case .truncatedFile: return .sizeMismatch(file: "value.bin", expected: 1000, found: 10)
    case .grownFile: return .sizeMismatch(file: "value.bin", expected: 1000, found: 1001)
    case .missingFile: return .missingFile("value.bin")
    case .missingManifest: return .unreadableManifest("no manifest.json")
    case .corruptManifest: return .unreadableManifest("not a manifest")
    case .oldFormatVersion: return .formatVersion(found: 0)
    case .foreignKey: return .keyMismatch(found: CacheFixture.key("other"))
    }
  }

  func apply(to entry: CacheEntry) throws {
    let value = entry.directory + "/value.bin"
    let manifest = entry.directory + "/manifest.json"
    switch self {
    case .truncatedFile:
      try Data(count: 10).write(to: URL(fileURLWithPath: value))
    case .grownFile:
      try Data(count: 1001).write(to: URL(fileURLWithPath: value))
    case .missingFile:
      try FileManager.default.removeItem(atPath: value)
    case .missingManifest:
      try FileManager.default.removeItem(atPath: manifest)
    case .corruptManifest:
      // A write cut short: the first half of the manifest.
      let data = try #require(FileManager.default.contents(atPath: manifest))
      try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: manifest))
    case .oldFormatVersion:
      // An older layout whose fields no longer match ours.
      try Data(#"{"format_version": 0, "op": "record", "outputs": ["value.bin"]}"#.utf8)
        .write(to: URL(fileURLWithPath: manifest))
    case .foreignKey:
      var m = entry.manifest
      m.key = CacheFixture.key("other")
      try m.encoded().write(to: URL(fileURLWithPath: manifest))
    }
  }
}

@Suite struct TrustRuleTests {
  private func storeDamaged(_ fault: EntryFault, in f: CacheFixture) throws -> (String, CacheEntry) {
    let key = CacheFixture.key("fault-\(fault)")
    let entry = try f.store.put(
      key, files: ["value.bin": Data(repeating: 7, count: 1000)], manifest: CacheFixture.manifest())
    try fault.apply(to: entry)
    return (key, entry)
  }

  @Test(arguments: EntryFault.allCases)
  func damagedEntryIsAMissAndIsRemoved(_ fault: EntryFault) throws {
    let f = try CacheFixture()
    let (key, entry) = try storeDamaged(fault, in: f)
    #expect(try f.store.get(key) == nil)
    #expect(!FileManager.default.fileExists(atPath: entry.directory))
    // Recomputing stores a trusted entry again.
    try f.store.put(key, files: ["value.bin": Data(repeating: 7, count: 1000)], manifest: CacheFixture.manifest())
    #expect(try f.store.get(key) != nil)
  }

  @Test(arguments: EntryFault.allCases)
  func infoNamesTheProblem(_ fault: EntryFault) throws {
    let f = try CacheFixture()
    let (key, _) = try storeDamaged(fault, in: f)
    #expect(throws: CacheError.corruptEntry(key: key, problem: fault.expected)) {
      try f.store.info(String(key.prefix(8)))
    }
    #expect(throws: CacheError.unknownKeyPrefix(String(key.prefix(8)))) { try f.store.info(String(key.prefix(8))) }
  }

  @Test(arguments: EntryFault.allCases)
  func putReplacesADamagedEntry(_ fault: EntryFault) throws {
    let f = try CacheFixture()
    let (key, _) = try storeDamaged(fault, in: f)
    let entry = try f.store.put(
      key, files: ["value.bin": Data(repeating: 9, count: 1000)], manifest: CacheFixture.manifest())
    #expect(CacheFixture.contents(entry.path("value.bin")) == Data(repeating: 9, count: 1000))
    #expect(try f.store.get(key) == entry)
  }

  @Test func verifyCatchesSameSizeCorruptionThatGetCannotSee() throws {
    let f = try CacheFixture()
    let good = CacheFixture.key("good")
    let bad = CacheFixture.key("bad")
    try f.store.put(good, files: ["value.bin": Data(repeating: 1, count: 100)], manifest: CacheFixture.manifest())
    let entry = try f.store.put(
      bad, files: ["value.bin": Data(repeating: 1, count: 100)], manifest: CacheFixture.manifest())
    try Data(repeating: 2, count: 100).write(to: URL(fileURLWithPath: try #require(entry.path("value.bin"))))

    #expect(try f.store.get(bad) != nil)  // sizes still match
    #expect(try f.store.verify(good) == .valid)
    #expect(f.store.verifyAll() == VerifyReport(checked: 2, corrupt: [bad: .hashMismatch(file: "value.bin")]))
    #expect(try f.store.get(bad) == nil)
    #expect(try f.store.verify(bad) == .missing)
    #expect(try f.store.get(good) != nil)
  }
}
