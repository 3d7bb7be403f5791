import Foundation
import Testing

@testable import NxpCache

@Suite struct GCTests {
  @Test func keepsReachableEntriesAndRemovesTheRest() throws {
    let f = try CacheFixture()
    let kept = CacheFixture.key("kept")
    let dropped = [CacheFixture.key("dropped1"), CacheFixture.key("dropped2")].sorted()
    try f.store.put(kept, files: ["value.bin": Data(count: 100)], manifest: CacheFixture.manifest())
    var droppedBytes: Int64 = 0
    for key in dropped {
      let entry = try f.store.put(key, files: ["value.bin": Data(count: 300)], manifest: CacheFixture.manifest())
      droppedBytes += treeSize(entry.directory)
    }

    // A reachable entry that is no longer trusted goes too: it would only be recomputed.
    let damaged = CacheFixture.key("damaged")
    let damagedEntry = try f.store.put(
      damaged, files: ["value.bin": Data(count: 10)], manifest: CacheFixture.manifest())
    try FileManager.default.removeItem(atPath: damagedEntry.directory + "/value.bin")
    droppedBytes += treeSize(damagedEntry.directory)

    let report = try f.store.gc(keep: [kept, damaged, CacheFixture.key("never stored")])
    #expect(report.removedEntries == (dropped + [damaged]).sorted())
    #expect(report.freedBytes == droppedBytes)
    #expect(report.removedTemporaryFolders == 0)
    #expect(f.store.ls().map(\.key) == [kept])
    #expect(try f.store.gc(keep: [kept]) == GCReport())
  }

  @Test func removesTemporaryFoldersOfDeadOrOldWritersOnly() throws {
    let f = try CacheFixture()
    let tmp = f.store.root + "/tmp"
    let dead = try Self.deadPID()
    let me = getpid()
    let names = [
      "dead": "put-\(dead)-1a", "live": "put-\(me)-2b", "old": "put-\(me)-3c", "junk": "leftover",
    ]
    for name in names.values {
      try FileManager.default.createDirectory(atPath: tmp + "/" + name, withIntermediateDirectories: true)
      try Data(count: 50).write(to: URL(fileURLWithPath: tmp + "/" + name + "/value.bin"))
    }
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-2 * 3600)], ofItemAtPath: tmp + "/" + names["old"]!)
    f.store.prepareForWriting()

    let report = try f.store.gc(keep: [])
    #expect(report.removedTemporaryFolders == 3)
    #expect(report.freedBytes == 150)
    #expect(f.temporaryFolders == [names["live"]!])
  }

  @Test func removesIdleCheckpointsOfUnreachableKeysOnly() throws {
    let f = try CacheFixture()
    let idle = CacheFixture.key("idle")
    let busy = CacheFixture.key("busy")
    let reachable = CacheFixture.key("reachable")
    for key in [idle, busy, reachable] {
      let checkpoints = try CheckpointStore(store: f.store, key: key)
      try checkpoints.save(step: 1, files: ["part.bin": Data(count: 10)])
      checkpoints.close()
    }
    let holder = try CheckpointStore(store: f.store, key: busy)
    let report = try f.store.gc(keep: [reachable])
    #expect(report.removedCheckpoints == [idle])
    #expect(try holder.load()?.step == 1)
    let partial = try FileManager.default.contentsOfDirectory(atPath: f.store.root + "/partial").sorted()
    #expect(partial == [busy, reachable].sorted())
    #expect(f.temporaryFolders == [])
  }

  /// The pid of a process that has exited.
  static func deadPID() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
  }
}
