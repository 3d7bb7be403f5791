import Foundation
import NxpCore
import Testing

@testable import NxpCache

@Suite struct RunLogTests {
  @Test func lastKeysAreRecordedPerScriptAndMerged() throws {
    let f = try CacheFixture()
    let log = RunLog(store: f.store)
    let script = f.folder + "/exp.nxp"
    let other = f.folder + "/other.nxp"
    let (k1, k2, k3) = (CacheFixture.key("1"), CacheFixture.key("2"), CacheFixture.key("3"))

    #expect(log.lastKeys(script: script) == [:])
    try log.record(script: script, bindings: ["acts": k1, "top": k2])
    try log.record(script: other, bindings: ["acts": k3])
    // A later run that evaluated only `top` keeps the last key of `acts`.
    try log.record(script: script, bindings: ["top": k3])

    #expect(log.lastKeys(script: script) == ["acts": k1, "top": k3])
    #expect(log.lastKeys(script: other) == ["acts": k3])
    #expect(FileManager.default.fileExists(atPath: f.store.root + "/runs/" + ContentHash.hex(script) + ".json"))
  }

  @Test func theSameScriptByAnotherPathSharesItsRecord() throws {
    let f = try CacheFixture()
    let log = RunLog(store: f.store)
    try FileManager.default.createDirectory(atPath: f.folder + "/sub", withIntermediateDirectories: true)
    let script = f.folder + "/exp.nxp"
    _ = FileManager.default.createFile(atPath: script, contents: Data())
    try log.record(script: f.folder + "/sub/../exp.nxp", bindings: ["acts": CacheFixture.key("1")])
    #expect(log.lastKeys(script: script) == ["acts": CacheFixture.key("1")])
  }

  @Test func anUnreadableRecordCountsAsNoRecord() throws {
    let f = try CacheFixture()
    let log = RunLog(store: f.store)
    let script = f.folder + "/exp.nxp"
    try log.record(script: script, bindings: ["acts": CacheFixture.key("1")])
    let path = f.store.root + "/runs/" + ContentHash.hex(script) + ".json"
    try Data("{\"format_version\": 1, \"bind".utf8).write(to: URL(fileURLWithPath: path))
    #expect(log.lastKeys(script: script) == [:])
    try log.record(script: script, bindings: ["top": CacheFixture.key("2")])
    #expect(log.lastKeys(script: script) == ["top": CacheFixture.key("2")])
  }

  @Test func malformedKeysAreRefused() throws {
    let f = try CacheFixture()
    #expect(throws: CacheError.invalidKey("xyz")) {
      try RunLog(store: f.store).record(script: "a.nxp", bindings: ["a": "xyz"])
    }
  }
}
