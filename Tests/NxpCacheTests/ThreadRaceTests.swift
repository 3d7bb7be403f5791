import Foundation
import Testing

@testable import NxpCache

@Suite struct ThreadRaceTests {
  /// Eight threads store the same four keys and one key each, while readers look on.
  @Test func threadsRacingOnSameAndDifferentKeysLeaveOneCompleteEntryEach() throws {
    let f = try CacheFixture()
    let shared = (0..<4).map { CacheFixture.key("shared\($0)") }
    let own = (0..<8).map { CacheFixture.key("own\($0)") }
    let failures = FailureLog()

    runOnThreads(12) { worker in
      do {
        if worker < 8 {
          for (i, key) in shared.enumerated() {
            let entry = try f.store.put(key, manifest: CacheFixture.manifest()) { staging in
              try Pattern.writeSlowly(i, chunks: 4, to: staging.path(for: "value.bin"), pauseMicroseconds: 200)
            }
            if CacheFixture.contents(entry.path("value.bin")) != Pattern.value(i, chunks: 4) {
              failures.add("put of shared\(i) by worker \(worker) returned other bytes")
            }
          }
          try f.store.put(
            own[worker], files: ["value.bin": Pattern.value(100 + worker, chunks: 1)], manifest: CacheFixture.manifest()
          )
        } else {
          // Readers: whatever they see must be whole.
          for _ in 0..<200 {
            for (i, key) in shared.enumerated() {
              if let entry = try f.store.get(key),
                CacheFixture.contents(entry.path("value.bin")) != Pattern.value(i, chunks: 4)
              {
                failures.add("reader saw a partial shared\(i)")
              }
            }
          }
        }
      } catch {
        failures.add("worker \(worker): \(error)")
      }
    }

    #expect(failures.messages == [])
    for (i, key) in shared.enumerated() {
      #expect(CacheFixture.contents(try f.store.get(key)?.path("value.bin")) == Pattern.value(i, chunks: 4))
    }
    for (worker, key) in own.enumerated() {
      #expect(CacheFixture.contents(try f.store.get(key)?.path("value.bin")) == Pattern.value(100 + worker, chunks: 1))
    }
    #expect(try f.store.verifyAll() == VerifyReport(checked: 12, corrupt: [:]))
    #expect(f.temporaryFolders == [])
  }
}

/// Runs `body(i)` for i in 0..<count, each on its own thread (not a pool limited to the cores, so
/// all of them really overlap), and waits for all.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  let group = DispatchGroup()
  for i in 0..<count {
    group.enter()
    Thread {
      body(i)
      group.leave()
    }.start()
  }
  group.wait()
}

/// Messages collected from several threads.
final class FailureLog: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [String] = []

  func add(_ message: String) {
    lock.lock()
    list.append(message)
    lock.unlock()
  }

  var messages: [String] {
    lock.lock()
    defer { lock.unlock() }
    return list
  }
}
