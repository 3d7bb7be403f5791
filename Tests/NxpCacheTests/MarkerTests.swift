import Foundation
import NxpTestSupport
import Testing

@testable import NxpCache

/// A cache folder carries `nxp-cache.json`; gc and verify refuse any folder without it.
@Suite struct MarkerTests {
  @Test func theFirstWriteMarksANewFolder() throws {
    let f = try CacheFixture()
    #expect(!FileManager.default.fileExists(atPath: f.store.root))
    try f.store.checkMarker()  // a cache that does not exist yet is an empty one
    try f.store.put(CacheFixture.key("v"), files: ["value.bin": Data(count: 8)], manifest: CacheFixture.manifest())
    let marker = try String(contentsOfFile: f.store.root + "/nxp-cache.json", encoding: .utf8)
    #expect(marker == "{\"format\":\"nxp-cache\",\"version\":1}\n")
    try f.store.checkMarker()
  }

  @Test func checkpointsAndRunLogsMarkToo() throws {
    let a = try CacheFixture()
    try CheckpointStore(store: a.store, key: CacheFixture.key("k")).close()
    try a.store.checkMarker()
    #expect(FileManager.default.fileExists(atPath: a.store.root + "/nxp-cache.json"))

    let b = try CacheFixture()
    try RunLog(store: b.store).record(script: b.folder + "/s.nxp", bindings: ["x": CacheFixture.key("x")])
    #expect(FileManager.default.fileExists(atPath: b.store.root + "/nxp-cache.json"))
  }

  /// A folder made by nxp before the marker existed gets one at the next write.
  @Test func aCacheFromBeforeTheMarkerIsAdopted() throws {
    let f = try CacheFixture()
    for folder in ["objects/ab", "partial", "runs", "tmp"] {
      try FileManager.default.createDirectory(atPath: f.store.root + "/" + folder, withIntermediateDirectories: true)
    }
    try Data("{}".utf8).write(to: URL(fileURLWithPath: f.store.root + "/file-hashes.json"))
    #expect(throws: CacheError.self) { try f.store.gc(keep: []) }
    f.store.prepareForWriting()
    try f.store.checkMarker()
    #expect(try f.store.gc(keep: []) == GCReport())
  }

  /// The reported data loss: `gc --cache D` on someone's folder deleted everything in `D/tmp/`.
  @Test func gcAndVerifyRefuseAFolderNxpDidNotMake() throws {
    let f = try CacheFixture()
    let root = f.store.root
    try FileManager.default.createDirectory(atPath: root + "/tmp/thesis", withIntermediateDirectories: true)
    try Data("chapter 1".utf8).write(to: URL(fileURLWithPath: root + "/tmp/thesis/draft.txt"))
    try Data("notes".utf8).write(to: URL(fileURLWithPath: root + "/notes.txt"))

    #expect(throws: CacheError.notACache(root: root, reason: "it has no nxp-cache.json marker")) {
      try f.store.gc(keep: [])
    }
    #expect(throws: CacheError.self) { try f.store.verifyAll() }
    // Writes never mark a folder that holds other things.
    f.store.prepareForWriting()
    #expect(!FileManager.default.fileExists(atPath: root + "/nxp-cache.json"))
    #expect(throws: CacheError.self) { try f.store.gc(keep: []) }
    #expect(try String(contentsOfFile: root + "/tmp/thesis/draft.txt", encoding: .utf8) == "chapter 1")
    #expect(
      "\(CacheError.notACache(root: root, reason: "it has no nxp-cache.json marker"))".hasPrefix(
        "'\(root)' is not an nxp cache: it has no nxp-cache.json marker; check --cache"))
  }

  @Test func aMarkerOfAnotherKindOrVersionIsRefused() throws {
    let f = try CacheFixture()
    try FileManager.default.createDirectory(atPath: f.store.root, withIntermediateDirectories: true)
    let marker = URL(fileURLWithPath: f.store.root + "/nxp-cache.json")
    try Data("{\"format\":\"nxp-cache\",\"version\":99}".utf8).write(to: marker)
    #expect(throws: CacheError.notACache(root: f.store.root, reason: "its marker says cache format 99, this nxp uses 1")) {
      try f.store.checkMarker()
    }
    try Data("hello".utf8).write(to: marker)
    #expect(throws: CacheError.notACache(root: f.store.root, reason: "its nxp-cache.json is not an nxp cache marker")) {
      try f.store.checkMarker()
    }
  }
}
