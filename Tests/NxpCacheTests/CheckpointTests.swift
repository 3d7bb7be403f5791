import Foundation
import NxpCore
import Testing

@testable import NxpCache

@Suite struct CheckpointTests {
  let key = CacheFixture.key("long computation")

  private func folders(_ c: CheckpointStore) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: c.directory).filter { $0 != "lock" }.sorted()
  }

  @Test func saveThenLoadReturnsTheLatestStep() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    #expect(try c.load() == nil)

    try c.save(step: 1, files: ["acts.bin": Data(count: 8)], info: ["batches": .int(1)])
    try c.save(step: 2, files: ["acts.bin": Data(count: 16)], info: ["batches": .int(2)])
    let latest = try #require(try c.load())
    #expect(latest.step == 2)
    #expect(latest.info == ["batches": .int(2)])
    #expect(CacheFixture.contents(latest.path("acts.bin")) == Data(count: 16))
    #expect(latest.records["acts.bin"]?.size == 16)
    #expect(try folders(c) == ["ckpt-000000000002"])
  }

  @Test func streamingSaveAndReopeningAfterClose() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    try c.save(step: 7) { staging in
      try Pattern.writeSlowly(7, chunks: 3, to: staging.path(for: "acts.bin"), pauseMicroseconds: 0)
    }
    c.close()
    #expect(throws: CacheError.self) { try c.load() }

    let again = try CheckpointStore(store: f.store, key: key)
    let loaded = try #require(try again.load())
    #expect(loaded.step == 7)
    #expect(CacheFixture.contents(loaded.path("acts.bin")) == Pattern.value(7, chunks: 3))
  }

  @Test func failingSaveKeepsThePreviousCheckpoint() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    try c.save(step: 1, files: ["acts.bin": Data(count: 8)])
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try c.save(step: 2) { staging in
        try Data(count: 4).write(to: staging.url(for: "acts.bin"))
        throw Boom()
      }
    }
    #expect(try c.load()?.step == 1)
    #expect(try folders(c) == ["ckpt-000000000001"])
  }

  @Test func leftoversOfAKilledSaveAreIgnoredThenCleaned() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    try c.save(step: 1, files: ["acts.bin": Data(count: 8)])
    // What a save killed midway leaves: a staging folder with a partial file.
    let staging = c.directory + "/tmp-999999-dead"
    try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
    try Data(count: 3).write(to: URL(fileURLWithPath: staging + "/acts.bin"))
    #expect(try c.load()?.step == 1)

    try c.save(step: 2, files: ["acts.bin": Data(count: 9)])
    #expect(try folders(c) == ["ckpt-000000000002"])
  }

  @Test func aDamagedNewestCheckpointFallsBackToTheOlderOne() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    try c.save(step: 1, files: ["acts.bin": Data(count: 8)])
    let older = c.directory + "/ckpt-000000000001"
    let kept = f.folder + "/older-copy"
    try FileManager.default.copyItem(atPath: older, toPath: kept)
    try c.save(step: 2, files: ["acts.bin": Data(count: 8)])
    // A save killed after publishing but before deleting the older checkpoint leaves both.
    try FileManager.default.moveItem(atPath: kept, toPath: older)
    #expect(try c.load()?.step == 2)
    try Data(count: 1).write(to: URL(fileURLWithPath: c.directory + "/ckpt-000000000002/acts.bin"))
    #expect(try c.load()?.step == 1)
    // The damaged one is gone, so the next save takes its number.
    try c.save(step: 3, files: ["acts.bin": Data(count: 8)])
    #expect(try folders(c) == ["ckpt-000000000002"])
    #expect(try c.load()?.step == 3)
  }

  /// Bytes flipped in a part without changing its size: the checksum catches it, the checkpoint
  /// is deleted with a warning, and nothing is resumed from it.
  @Test func aCheckpointWhoseBytesChangedIsDiscardedWithAWarning() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    var part = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0) })
    try c.save(step: 5, files: ["layer.6.top.count": part, "meta": Data("{}".utf8)])
    let saved = try #require(try c.load())
    #expect(saved.records["layer.6.top.count"]?.xxh64 == XXH64.hex(XXH64.hash(part)))

    part[500] ^= 0x80
    try part.write(to: URL(fileURLWithPath: c.directory + "/ckpt-000000000001/layer.6.top.count"))
    let reporter = CollectingReporter()
    #expect(try c.load(reporter: reporter) == nil)
    #expect(
      reporter.warnings == [
        "discarded a damaged checkpoint of \(key.prefix(12)) (part layer.6.top.count does not match its checksum); "
          + "its work will be redone"
      ])
    #expect(try folders(c) == [])
  }

  /// A checkpoint written by an nxp before checksums (format 1) is dropped without a warning.
  @Test func aCheckpointOfAnOlderFormatIsDroppedQuietly() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    try c.save(step: 5, files: ["acts.bin": Data(count: 8)])
    let manifest = c.directory + "/ckpt-000000000001/manifest.json"
    let old = try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(
      of: "\"format_version\" : 2", with: "\"format_version\" : 1")
    try Data(old.utf8).write(to: URL(fileURLWithPath: manifest))
    let reporter = CollectingReporter()
    #expect(try c.load(reporter: reporter) == nil)
    #expect(reporter.warnings.isEmpty)
    #expect(try folders(c) == [])
  }

  @Test func clearRemovesEverythingAndReleasesTheKey() throws {
    let f = try CacheFixture()
    let c = try CheckpointStore(store: f.store, key: key)
    try c.save(step: 3, files: ["acts.bin": Data(count: 8)])
    try c.clear()
    #expect(!FileManager.default.fileExists(atPath: c.directory))
    #expect(throws: CacheError.self) { try c.save(step: 4, files: [:]) }
    #expect(f.temporaryFolders == [])

    let fresh = try CheckpointStore(store: f.store, key: key)
    #expect(try fresh.load() == nil)
  }

  @Test func aSecondOwnerIsToldWhoHoldsTheKey() throws {
    let f = try CacheFixture()
    let first = try CheckpointStore(store: f.store, key: key)
    #expect(throws: CacheError.busy(key: key, pid: getpid())) { try CheckpointStore(store: f.store, key: key) }
    #expect(
      CacheError.busy(key: key, pid: 42).description == "another nxp process (pid 42) is computing \(key.prefix(12))")
    first.close()
    #expect(try CheckpointStore(store: f.store, key: key).load() == nil)
  }

  @Test func aWaitingOwnerGetsTheKeyWhenTheFirstClears() throws {
    let f = try CacheFixture()
    let first = try CheckpointStore(store: f.store, key: key)
    try first.save(step: 1, files: ["acts.bin": Data(count: 8)])
    let started = Date()
    Thread {
      usleep(150_000)
      try? first.clear()
    }.start()
    let second = try CheckpointStore(store: f.store, key: key, wait: 10)
    #expect(Date().timeIntervalSince(started) >= 0.1)
    #expect(try second.load() == nil)
    try second.save(step: 1, files: ["acts.bin": Data(count: 8)])
    #expect(try second.load()?.step == 1)
  }

  @Test func malformedKeyIsRefused() throws {
    let f = try CacheFixture()
    #expect(throws: CacheError.invalidKey("../x")) { try CheckpointStore(store: f.store, key: "../x") }
  }
}
