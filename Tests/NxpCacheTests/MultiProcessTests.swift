import Foundation
import Testing

@testable import NxpCache

#if canImport(Glibc)
  import Glibc
#endif

/// Separate processes running the store's own code: each test starts copies of this test binary
/// that run the same test function with `ChildProcess.role` set and play the child's part.
@Suite struct MultiProcessTests {
  static let sharedKeys = (0..<16).map { CacheFixture.key("process shared \($0)") }
  static func ownKey(_ worker: Int) -> String { CacheFixture.key("process own \(worker)") }

  // MARK: - Racing writers

  @Test func processesRacingOnSharedKeysLeaveOneCompleteEntryEach() throws {
    if let role = ChildProcess.role {
      let store = CacheStore(root: role["root"]!)
      let worker = Int(role["worker"]!)!
      #expect(ChildProcess.waitForFile(role["go"]!))
      for (i, key) in Self.sharedKeys.enumerated() {
        let entry = try store.put(key, manifest: CacheFixture.manifest()) { staging in
          try Pattern.writeSlowly(i, chunks: 4, to: staging.path(for: "value.bin"), pauseMicroseconds: 100)
        }
        #expect(CacheFixture.contents(entry.path("value.bin")) == Pattern.value(i, chunks: 4))
      }
      try store.put(
        Self.ownKey(worker), files: ["value.bin": Pattern.value(50 + worker, chunks: 1)],
        manifest: CacheFixture.manifest())
      return
    }

    let f = try CacheFixture()
    let go = f.folder + "/go"
    let children = try (0..<4).map { worker in
      try ChildProcess(
        test: "processesRacingOnSharedKeysLeaveOneCompleteEntryEach",
        role: ["root": f.store.root, "worker": "\(worker)", "go": go],
        outputPath: f.folder + "/child\(worker).log")
    }
    _ = FileManager.default.createFile(atPath: go, contents: nil)
    for child in children { child.expectSuccess() }

    for (i, key) in Self.sharedKeys.enumerated() {
      #expect(CacheFixture.contents(try f.store.get(key)?.path("value.bin")) == Pattern.value(i, chunks: 4))
    }
    for worker in 0..<4 {
      #expect(
        CacheFixture.contents(try f.store.get(Self.ownKey(worker))?.path("value.bin"))
          == Pattern.value(50 + worker, chunks: 1))
    }
    #expect(try f.store.verifyAll() == VerifyReport(checked: 20, corrupt: [:]))
    #expect(f.temporaryFolders == [])
  }

  // MARK: - Killed writers

  static func killedKey(_ round: Int, _ i: Int) -> String { CacheFixture.key("killed \(round) \(i)") }

  @Test func putKilledAtRandomMomentsLeavesWholeValuesOrNothing() throws {
    let valuesPerRound = 30
    if let role = ChildProcess.role {
      let store = CacheStore(root: role["root"]!)
      let round = Int(role["round"]!)!
      _ = FileManager.default.createFile(atPath: role["ready"]!, contents: nil)
      for i in 0..<valuesPerRound {
        try store.put(Self.killedKey(round, i), manifest: CacheFixture.manifest()) { staging in
          try Pattern.writeSlowly(i, chunks: 6, to: staging.path(for: "value.bin"), pauseMicroseconds: 1_500)
          try Data("{}".utf8).write(to: staging.url(for: "meta.json"))
        }
      }
      Thread.sleep(forTimeInterval: 60)  // never reached before the kill
      return
    }

    let f = try CacheFixture()
    var leftovers = 0
    for round in 0..<4 {
      let ready = f.folder + "/ready\(round)"
      let child = try ChildProcess(
        test: "putKilledAtRandomMomentsLeavesWholeValuesOrNothing",
        role: ["root": f.store.root, "round": "\(round)", "ready": ready],
        outputPath: f.folder + "/killed\(round).log")
      try #require(ChildProcess.waitForFile(ready))
      usleep(UInt32.random(in: 5_000...250_000))
      child.kill()

      for i in 0..<valuesPerRound {
        if let entry = try f.store.get(Self.killedKey(round, i)) {
          #expect(CacheFixture.contents(entry.path("value.bin")) == Pattern.value(i, chunks: 6))
          #expect(CacheFixture.contents(entry.path("meta.json")) == Data("{}".utf8))
        }
      }
      leftovers += f.temporaryFolders.count
    }
    // Killing mid-write leaves staging folders; no trusted entry came from them, and gc takes them.
    #expect(leftovers > 0)
    let report = try f.store.gc(keep: Set((0..<4).flatMap { r in (0..<valuesPerRound).map { Self.killedKey(r, $0) } }))
    #expect(report.removedEntries == [])
    #expect(report.removedTemporaryFolders > 0)
    #expect(f.temporaryFolders == [])
    #expect(try f.store.verifyAll().corrupt == [:])
  }

  // MARK: - Killed checkpoints

  static let checkpointKey = CacheFixture.key("checkpointed computation")

  @Test func checkpointSaveKilledResumesFromTheLastCompleteOne() throws {
    if let role = ChildProcess.role {
      let store = CacheStore(root: role["root"]!)
      let checkpoints = try CheckpointStore(store: store, key: Self.checkpointKey, wait: 10)
      var step = (try checkpoints.load()?.step ?? 0) + 1
      try checkpoints.save(step: step, files: ["acts.bin": Pattern.value(step, chunks: 1)])
      _ = FileManager.default.createFile(atPath: role["ready"]!, contents: nil)
      while true {
        step += 1
        try checkpoints.save(step: step, info: ["step": .int(Int64(step))]) { staging in
          try Pattern.writeSlowly(step, chunks: 4, to: staging.path(for: "acts.bin"), pauseMicroseconds: 2_000)
        }
      }
    }

    let f = try CacheFixture()
    var lastStep = 0
    var interruptedSaves = 0
    for round in 0..<3 {
      let ready = f.folder + "/ready\(round)"
      let child = try ChildProcess(
        test: "checkpointSaveKilledResumesFromTheLastCompleteOne",
        role: ["root": f.store.root, "ready": ready],
        outputPath: f.folder + "/checkpoint\(round).log")
      try #require(ChildProcess.waitForFile(ready))
      #expect(throws: CacheError.busy(key: Self.checkpointKey, pid: child.pid)) {
        try CheckpointStore(store: f.store, key: Self.checkpointKey)
      }
      usleep(UInt32.random(in: 5_000...100_000))
      child.kill()
      let folder = f.store.root + "/partial/" + Self.checkpointKey
      interruptedSaves += try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("tmp-") }
        .count

      // The dead child's lock is taken over at once; its last complete save is intact.
      let checkpoints = try CheckpointStore(store: f.store, key: Self.checkpointKey)
      let resumed = try #require(try checkpoints.load())
      #expect(resumed.step > lastStep)
      let chunks = resumed.step == lastStep + 1 ? 1 : 4
      #expect(CacheFixture.contents(resumed.path("acts.bin")) == Pattern.value(resumed.step, chunks: chunks))
      lastStep = resumed.step
      checkpoints.close()
    }
    #expect(interruptedSaves > 0)
  }
}
