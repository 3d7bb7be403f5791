import Foundation
import Testing

import NxpCore

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
    #expect(try f.store.verifyAll() == VerifyReport(checked: 2, corrupt: [bad: .hashMismatch(file: "value.bin")]))
    #expect(try f.store.get(bad) == nil)
    #expect(try f.store.verify(bad) == .missing)
    #expect(try f.store.get(good) != nil)
  }

  /// Four bytes of a tensor file changed in place: the size check passes, the checksum does not.
  @Test func readingAValueChecksItsChecksum() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("tensor")
    var bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) })
    let entry = try f.store.put(
      key, files: ["value.safetensors": bytes], manifest: CacheFixture.manifest(info: ["call": .string("acts = record(m, t)")]))
    #expect(entry.manifest.files["value.safetensors"]?.xxh64 == XXH64.hex(XXH64.hash(bytes)))

    let quiet = CollectingReporter()
    #expect(try f.store.read(key, reporter: quiet) == entry)
    #expect(quiet.warnings.isEmpty)

    bytes.replaceSubrange(2000..<2004, with: [0xFF, 0xFF, 0xFF, 0x7F])
    try bytes.write(to: URL(fileURLWithPath: try #require(entry.path("value.safetensors"))))
    #expect(try f.store.get(key) != nil)  // sizes still match, so existence checks still see it
    let reporter = CollectingReporter()
    #expect(try f.store.read(key, reporter: reporter) == nil)
    #expect(!FileManager.default.fileExists(atPath: entry.directory))
    #expect(
      reporter.warnings == [
        "cache entry \(key.prefix(12)) (acts = record(m, t)) was damaged (value file value.safetensors does not match its "
          + "checksum (it changed on disk)); removed it, recomputing"
      ])
  }

  /// One digit of a table's rows changed: caught on read, and by `verify`.
  @Test func oneChangedDigitInJSONLinesIsCaught() throws {
    let f = try CacheFixture()
    let rows = Data("{\"max\":1.2345}\n{\"max\":6.789}\n".utf8)
    let (a, b) = (CacheFixture.key("rows a"), CacheFixture.key("rows b"))
    for key in [a, b] {
      let entry = try f.store.put(key, files: ["value.jsonl": rows], manifest: CacheFixture.manifest())
      let changed = Data(String(decoding: rows, as: UTF8.self).replacingOccurrences(of: "6.789", with: "6.788").utf8)
      try changed.write(to: URL(fileURLWithPath: try #require(entry.path("value.jsonl"))))
    }
    #expect(try f.store.read(a, reporter: CollectingReporter()) == nil)
    #expect(try f.store.verifyAll() == VerifyReport(checked: 1, corrupt: [b: .hashMismatch(file: "value.jsonl")]))
  }

  /// A manifest whose checksum was changed (the file itself intact) fails `verify` too.
  @Test func verifyComparesTheChecksum() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("checksum")
    let entry = try f.store.put(key, files: ["value.bin": Data(count: 64)], manifest: CacheFixture.manifest())
    var m = entry.manifest
    m.files["value.bin"]?.xxh64 = "0123456789abcdef"
    try m.encoded().write(to: URL(fileURLWithPath: entry.directory + "/manifest.json"))
    #expect(try f.store.verify(key) == .corrupt(.checksumMismatch(file: "value.bin")))
  }

  /// Entries written before checksums existed (format 1) are misses, never read unchecked.
  @Test func entriesWithoutChecksumsAreMisses() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("format 1")
    let entry = try f.store.put(key, files: ["value.bin": Data(count: 64)], manifest: CacheFixture.manifest())
    var json = String(decoding: try Data(contentsOf: URL(fileURLWithPath: entry.directory + "/manifest.json")), as: UTF8.self)
    json = json.replacingOccurrences(of: "\"format_version\" : 2", with: "\"format_version\" : 1")
    json = json.replacingOccurrences(of: #"      "xxh64" : "[0-9a-f]{16}"\n"#, with: "", options: .regularExpression)
    json = json.replacingOccurrences(of: "\",\n      }", with: "\"\n      }")
    #expect(json.contains("\"format_version\" : 1") && !json.contains("xxh64"), "\(json)")
    try Data(json.utf8).write(to: URL(fileURLWithPath: entry.directory + "/manifest.json"))
    let reporter = CollectingReporter()
    #expect(try f.store.read(key, reporter: reporter) == nil)
    #expect(reporter.warnings.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: entry.directory))
  }
}
