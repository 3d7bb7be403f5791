import Foundation
import NxpCore
import NxpTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `record` with the real model: damaged checkpoints are discarded and the work redone, and
/// record statistics print and save the same whether computed or loaded from the cache.
@Suite(.serialized) struct RecordIntegrityTests {
  static let script = KillResumeTests.script

  /// Starts `r.nxp` with frequent checkpoints and kills it once one exists.
  static func leaveACheckpoint(in dir: String, nxp: String) throws -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: nxp)
    p.arguments = ["run", "r.nxp"]
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    p.environment = ProcessInfo.processInfo.environment.merging(["NXP_CHECKPOINT_SECONDS": "0.2"]) { _, b in b }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(120)
    while p.isRunning && Date() < deadline && !KillResumeTests.hasCheckpoint(dir + "/.nxp/cache") { usleep(20_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
    let partial = dir + "/.nxp/cache/partial"
    for key in (try? FileManager.default.contentsOfDirectory(atPath: partial)) ?? [] {
      let folder = partial + "/" + key
      if let ckpt = try FileManager.default.contentsOfDirectory(atPath: folder).first(where: { $0.hasPrefix("ckpt-") }) {
        return folder + "/" + ckpt
      }
    }
    return nil
  }

  @Test func damagedCheckpointsAreDiscardedAndTheWorkRedone() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-ckpt-damage")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let nxp = try TestEnvironment.productPath("nxp")
    try FileManager.default.createDirectory(atPath: dir + "/clean", withIntermediateDirectories: true)
    try Self.script.write(toFile: dir + "/clean/r.nxp", atomically: true, encoding: .utf8)
    try Self.script.write(toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
    let clean = try CommandRunner.run(nxp, ["run", "r.nxp"], in: dir + "/clean")
    #expect(clean.status == 0, "\(clean)")
    let cleanActs = try Data(contentsOf: URL(fileURLWithPath: dir + "/clean/acts.safetensors"))

    // 1. Bytes flipped in a part, its size unchanged: the checksum catches it.
    let first = try #require(try Self.leaveACheckpoint(in: dir, nxp: nxp), "the run finished before it could be killed")
    var acts = try Data(contentsOf: URL(fileURLWithPath: first + "/layer.1.top.acts"))
    acts[acts.count / 2] ^= 0x40
    try acts.write(to: URL(fileURLWithPath: first + "/layer.1.top.acts"))
    let flipped = try CommandRunner.run(nxp, ["run", "r.nxp"], in: dir)
    #expect(flipped.status == 0, "\(flipped)")
    #expect(flipped.stderr.contains("warning: discarded a damaged checkpoint of "), "\(flipped.stderr)")
    #expect(flipped.stderr.contains("(part layer.1.top.acts does not match its checksum); its work will be redone"))
    #expect(flipped.stdout == clean.stdout)
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/acts.safetensors")) == cleanActs)

    // 2. An impossible count with a matching checksum (the reported crash): discarded too.
    try FileManager.default.removeItem(atPath: dir + "/.nxp")
    let second = try #require(try Self.leaveACheckpoint(in: dir, nxp: nxp), "the run finished before it could be killed")
    let countPath = second + "/layer.0.top.count"
    var counts = try Data(contentsOf: URL(fileURLWithPath: countPath))
    counts.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0xFF, 0x7F])
    try counts.write(to: URL(fileURLWithPath: countPath))
    let manifestURL = URL(fileURLWithPath: second + "/manifest.json")
    var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
    var files = try #require(manifest["files"] as? [String: [String: Any]])
    files["layer.0.top.count"]?["xxh64"] = XXH64.hex(XXH64.hash(counts))
    manifest["files"] = files
    try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
    let impossible = try CommandRunner.run(nxp, ["run", "r.nxp"], in: dir)
    #expect(impossible.status == 0, "\(impossible)")
    #expect(
      impossible.stderr.contains(
        "warning: record: discarded the saved progress, recording from the start: checkpoint is damaged: layer 0 neuron 3 "
          + "has top.count 2147483647"), "\(impossible.stderr)")
    #expect(impossible.stdout == clean.stdout)
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/acts.safetensors")) == cleanActs)
  }

  /// Record statistics saved from a freshly computed table, from the table loaded from the cache,
  /// and from a table recomputed from records loaded from the cache, are byte-identical.
  @Test func computedAndCachedStatisticsSaveIdentically() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-same-bits")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 32, limit: 64, seed: 3)
    acts = record(model, texts, layers: [2], batch: 16)
    stats = acts |> table
    save(stats, to: "out/stats.jsonl")
    save(stats, to: "out/stats.csv")
    show stats |> sort(by: "kurtosis", descending: true) |> head(3)
    """.write(toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
    func run() throws -> (stdout: String, files: [Data]) {
      let r = try CommandRunner.nxp(["run", "r.nxp", "--summary"], in: dir)
      #expect(r.status == 0, "\(r)")
      let files = try ["stats.jsonl", "stats.csv"].map { try Data(contentsOf: URL(fileURLWithPath: dir + "/out/" + $0)) }
      return (r.stdout, files)
    }
    let fresh = try run()
    let loaded = try run()
    #expect(loaded.stdout == fresh.stdout)
    #expect(loaded.files == fresh.files)
    // Drop every table entry so the statistics are recomputed from the cached records.
    let ls = try CommandRunner.nxp(["cache", "ls"], in: dir)
    let tables = ls.stdout.split(separator: "\n").filter { $0.contains(" table ") || $0.contains(" sort ") || $0.contains(" head ") }
    for line in tables {
      let prefix = String(line.prefix { $0 != " " })
      let info = try CommandRunner.nxp(["cache", "info", prefix], in: dir)
      let folder = try #require(info.stdout.split(separator: "\n").last?.replacingOccurrences(of: "stored in ", with: ""))
      try FileManager.default.removeItem(atPath: folder)
    }
    #expect(!tables.isEmpty, "\(ls.stdout)")
    let recomputed = try run()
    #expect(recomputed.stdout == fresh.stdout)
    #expect(recomputed.files == fresh.files)
  }
}
