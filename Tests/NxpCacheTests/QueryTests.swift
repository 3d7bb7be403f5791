import Foundation
import Testing

@testable import NxpCache

@Suite struct QueryTests {
  /// Keys chosen to share prefixes: "ab12…", "ab34…", "cd56…".
  static let keys = ["ab12", "ab34", "cd56"].map { $0 + String(repeating: "0", count: 60) }

  private func filledStore() throws -> CacheFixture {
    let f = try CacheFixture()
    for (i, key) in Self.keys.enumerated() {
      try f.store.put(
        key, files: ["value.bin": Data(count: 10 * (i + 1))],
        manifest: CacheFixture.manifest("op\(i)", info: ["binding": .string("b\(i)")]))
    }
    return f
  }

  @Test func lsListsEveryEntryWithSizeAndInfo() throws {
    let f = try filledStore()
    let listing = f.store.ls()
    #expect(Set(listing.map(\.key)) == Set(Self.keys))
    let second = try #require(listing.first { $0.key == Self.keys[1] })
    #expect(second.primitive == "op1")
    #expect(second.byteSize == 20)
    #expect(second.info == ["binding": .string("b1")])
    #expect(listing.map(\.created) == listing.map(\.created).sorted())
  }

  @Test func uniquePrefixFindsTheEntry() throws {
    let f = try filledStore()
    #expect(try f.store.info("ab1").key == Self.keys[0])
    #expect(try f.store.info("c").key == Self.keys[2])
    #expect(try f.store.info("AB34").key == Self.keys[1])
    #expect(try f.store.info(Self.keys[2]).manifest.primitive == "op2")
  }

  @Test func ambiguousUnknownAndMalformedPrefixesAreNamed() throws {
    let f = try filledStore()
    #expect(throws: CacheError.ambiguousKeyPrefix("ab", matches: [Self.keys[0], Self.keys[1]])) {
      try f.store.info("ab")
    }
    #expect(throws: CacheError.unknownKeyPrefix("ef")) { try f.store.info("ef") }
    #expect(throws: CacheError.invalidKeyPrefix("")) { try f.store.info("") }
    #expect(throws: CacheError.invalidKeyPrefix("xyz")) { try f.store.info("xyz") }
    #expect(
      CacheError.ambiguousKeyPrefix("ab", matches: [Self.keys[0], Self.keys[1]]).description
        == "key prefix 'ab' is ambiguous: 2 entries match (\(Self.keys[0]), \(Self.keys[1]))")
  }

  @Test func removeDeletesOneEntry() throws {
    let f = try filledStore()
    #expect(try f.store.remove(Self.keys[0]))
    #expect(try !f.store.remove(Self.keys[0]))
    #expect(try f.store.get(Self.keys[0]) == nil)
    #expect(try f.store.get(Self.keys[1]) != nil)
    #expect(f.temporaryFolders == [])
  }

  @Test func totalSizeCountsEveryFileUnderTheRoot() throws {
    let f = try CacheFixture()
    #expect(f.store.totalSize == 0)
    let entry = try f.store.put(
      Self.keys[0], files: ["value.bin": Data(count: 1000)], manifest: CacheFixture.manifest())
    let manifestSize = try #require(
      FileManager.default.attributesOfItem(atPath: entry.directory + "/manifest.json")[.size] as? Int)
    #expect(f.store.totalSize == Int64(1000 + manifestSize + CacheMarker.data().count))
  }
}
