import Foundation
import NxpCore
import Testing

@testable import NxpCache

@Suite struct StoreTests {
  // MARK: - Round trips

  @Test func putThenGetReturnsFilesAndManifest() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("a")
    let value = Data("hello".utf8)
    let meta = Data("{\"kind\":\"text\"}".utf8)
    let stored = try f.store.put(
      key, files: ["value.jsonl": value, "meta.json": meta], manifest: CacheFixture.manifest())
    let entry = try #require(try f.store.get(key))

    #expect(entry == stored)
    #expect(entry.directory == f.store.root + "/objects/" + key.prefix(2) + "/" + key)
    #expect(CacheFixture.contents(entry.path("value.jsonl")) == value)
    #expect(CacheFixture.contents(entry.path("meta.json")) == meta)
    #expect(entry.path("absent.bin") == nil)
    #expect(Set(entry.files.keys) == ["value.jsonl", "meta.json"])

    let m = entry.manifest
    #expect(m.formatVersion == Manifest.currentFormatVersion)
    #expect(m.key == key)
    #expect(m.primitive == "record")
    #expect(m.primitiveVersion == 2)
    #expect(m.parameters == ["k": .int(10), "temperature": .double(0.5)])
    #expect(m.inputs == ["model": CacheFixture.key("model")])
    #expect(m.fileHashes == ["corpus.txt": CacheFixture.key("corpus")])
    #expect(m.wallTime == 1.25)
    #expect(m.files["value.jsonl"] == Manifest.FileRecord(size: 5, sha256: ContentHash.hex(value), xxh64: XXH64.hex(XXH64.hash(value))))
    #expect(m.byteSize == Int64(value.count + meta.count))
    #expect(abs(m.created.timeIntervalSinceNow) < 60)
    #expect(f.temporaryFolders == [])
  }

  @Test func manifestFileIsSnakeCaseJSONWithInfo() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("json")
    let entry = try f.store.put(
      key, files: ["value.json": Data("1".utf8)],
      manifest: CacheFixture.manifest(info: ["binding": .string("acts"), "backend": .object(["model": .string("m")])]))
    let data = try #require(FileManager.default.contents(atPath: entry.directory + "/manifest.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(json["format_version"] as? Int == 2)
    #expect((json["files"] as? [String: [String: Any]])?["value.json"]?["xxh64"] as? String == XXH64.hex(XXH64.hash(Data("1".utf8))))
    #expect(json["primitive_version"] as? Int == 2)
    #expect(json["nxp_version"] as? String == "0.1.0")
    #expect(json["wall_time_seconds"] as? Double == 1.25)
    #expect((json["info"] as? [String: Any])?["binding"] as? String == "acts")
    #expect(try Manifest.decode(data) == entry.manifest)
  }

  @Test func streamingWriterAndMovedFilesAreStored() throws {
    let f = try CacheFixture()
    let streamed = CacheFixture.key("streamed")
    let entry = try f.store.put(streamed, manifest: CacheFixture.manifest()) { staging in
      try Pattern.writeSlowly(3, chunks: 4, to: staging.path(for: "value.safetensors"), pauseMicroseconds: 0)
    }
    #expect(CacheFixture.contents(entry.path("value.safetensors")) == Pattern.value(3, chunks: 4))
    #expect(entry.manifest.files["value.safetensors"]?.sha256 == ContentHash.hex(Pattern.value(3, chunks: 4)))

    let outside = try CacheFixture.scratchFile(in: f.store, contents: Data("moved".utf8))
    let moved = CacheFixture.key("moved")
    let movedEntry = try f.store.put(
      moved, moving: ["value.jsonl": URL(fileURLWithPath: outside)], manifest: CacheFixture.manifest())
    #expect(CacheFixture.contents(movedEntry.path("value.jsonl")) == Data("moved".utf8))
    #expect(!FileManager.default.fileExists(atPath: outside))
  }

  @Test func secondPutOfSameKeyKeepsTheFirstEntry() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("twice")
    let first = try f.store.put(key, files: ["value.json": Data("1".utf8)], manifest: CacheFixture.manifest("first"))
    let second = try f.store.put(key, files: ["value.json": Data("22".utf8)], manifest: CacheFixture.manifest("second"))
    #expect(second == first)
    #expect(try f.store.get(key)?.manifest.primitive == "first")
    #expect(f.temporaryFolders == [])
  }

  @Test func failingWriterStoresNothing() throws {
    let f = try CacheFixture()
    let key = CacheFixture.key("fails")
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try f.store.put(key, manifest: CacheFixture.manifest()) { staging in
        try Data("partial".utf8).write(to: staging.url(for: "value.bin"))
        throw Boom()
      }
    }
    #expect(try f.store.get(key) == nil)
    #expect(f.temporaryFolders == [])
  }

  // MARK: - Refused names

  @Test func malformedKeysAreRefusedByName() throws {
    let f = try CacheFixture()
    for bad in ["", "abc", String(repeating: "A", count: 64), "../" + String(repeating: "a", count: 61)] {
      #expect(throws: CacheError.invalidKey(bad)) { try f.store.get(bad) }
      #expect(throws: CacheError.invalidKey(bad)) {
        try f.store.put(bad, files: [:], manifest: CacheFixture.manifest())
      }
    }
  }

  @Test func fileNamesThatLeaveTheEntryAreRefused() throws {
    let f = try CacheFixture()
    for bad in ["manifest.json", "../x", "a/b", ".hidden", ""] {
      #expect(throws: CacheError.invalidFileName(bad)) {
        try f.store.put(CacheFixture.key("n"), files: [bad: Data()], manifest: CacheFixture.manifest())
      }
    }
    #expect(throws: CacheError.self) {
      try f.store.put(CacheFixture.key("dir"), manifest: CacheFixture.manifest()) { staging in
        try FileManager.default.createDirectory(atPath: staging.path + "/sub", withIntermediateDirectories: false)
      }
    }
    #expect(f.temporaryFolders == [])
  }

  // MARK: - Default root

  @Test func defaultRootPrefersEnvironmentThenNearestNxpFolder() throws {
    let top = try CacheFixture.scratchFolder()
    defer { try? FileManager.default.removeItem(atPath: top) }
    let nested = top + "/a/b"
    try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)

    #expect(CacheStore.defaultRoot(cwd: nested, environment: [:]) == nested + "/.nxp/cache")
    try FileManager.default.createDirectory(atPath: top + "/.nxp", withIntermediateDirectories: true)
    #expect(CacheStore.defaultRoot(cwd: nested, environment: [:]) == top + "/.nxp/cache")
    #expect(CacheStore.defaultRoot(cwd: nested, environment: ["NXP_CACHE_DIR": "/srv/cache"]) == "/srv/cache")
    #expect(CacheStore.defaultRoot(cwd: nested, environment: ["NXP_CACHE_DIR": "shared"]) == nested + "/shared")
    #expect(CacheStore.defaultRoot(cwd: nested, environment: ["NXP_CACHE_DIR": ""]) == top + "/.nxp/cache")
  }

  /// A working folder deleted under a running process (getcwd fails) once made this walk loop
  /// forever; it must end for any path.
  @Test func defaultRootEndsForAnyWorkingFolder() throws {
    let top = try CacheFixture.scratchFolder()
    let gone = top + "/gone"
    try FileManager.default.createDirectory(atPath: gone, withIntermediateDirectories: true)
    try FileManager.default.removeItem(atPath: top)
    #expect(CacheStore.defaultRoot(cwd: gone, environment: [:]) == gone + "/.nxp/cache")
    #expect(CacheStore.defaultRoot(cwd: "", environment: [:]).hasSuffix("/.nxp/cache"))
    #expect(CacheStore.defaultRoot(cwd: "/", environment: [:]).hasSuffix(".nxp/cache"))
    #expect(CacheStore.defaultRoot(cwd: "/no/such/../folder (deleted)", environment: [:]).hasSuffix("/.nxp/cache"))
  }
}
