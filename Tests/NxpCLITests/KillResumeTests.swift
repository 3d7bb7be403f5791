import Foundation
import NxpTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A `record` killed with SIGKILL leaves nothing a later run trusts, and the next run resumes from
/// its checkpoint and gives exactly what an uninterrupted run gives.
@Suite(.serialized) struct KillResumeTests {
  static let script = """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 32, limit: 160, seed: 3)
    acts = record(model, texts, layers: [0, 1], batch: 8)
    show acts |> table |> sort(by: "max", descending: true) |> head(5)
    save(acts, to: "acts.safetensors")
    """

  @Test func killedRecordResumesToTheSameResult() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-kill")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.script.write(toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
    let nxp = try TestEnvironment.productPath("nxp")

    // The reference: one uninterrupted run in its own cache.
    try FileManager.default.createDirectory(atPath: dir + "/clean", withIntermediateDirectories: true)
    try Self.script.write(toFile: dir + "/clean/r.nxp", atomically: true, encoding: .utf8)
    let clean = try CommandRunner.run(nxp, ["run", "r.nxp"], in: dir + "/clean")
    #expect(clean.status == 0, "\(clean)")

    // Start, wait for a checkpoint, SIGKILL; repeat a few times at different moments.
    let env = ["NXP_CHECKPOINT_SECONDS": "0.2"]
    var kills = 0
    for attempt in 0..<3 {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: nxp)
      p.arguments = ["run", "r.nxp"]
      p.currentDirectoryURL = URL(fileURLWithPath: dir)
      p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      let deadline = Date().addingTimeInterval(120)
      while p.isRunning && Date() < deadline && !Self.hasCheckpoint(dir + "/.nxp/cache") { usleep(20_000) }
      usleep(UInt32(50_000 * attempt))
      if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        kills += 1
      }
      p.waitUntilExit()
    }
    #expect(kills >= 1, "the run finished before it could be killed")

    // Nothing half-written is trusted: every entry verifies.
    let verify = try CommandRunner.run(nxp, ["cache", "verify"], in: dir)
    #expect(verify.stdout.hasSuffix(": 0 corrupt\n"), "\(verify)")

    let resumed = try CommandRunner.run(nxp, ["run", "r.nxp"], in: dir, environment: env)
    #expect(resumed.status == 0, "\(resumed)")
    #expect(resumed.stdout == clean.stdout)
    let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/acts.safetensors"))
    let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/clean/acts.safetensors"))
    #expect(a == b, "resumed records differ from an uninterrupted run")
  }

  static func hasCheckpoint(_ cache: String) -> Bool {
    let partial = cache + "/partial"
    for key in (try? FileManager.default.contentsOfDirectory(atPath: partial)) ?? [] {
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: partial + "/" + key)) ?? []
      if entries.contains(where: { $0.hasPrefix("ckpt-") }) { return true }
    }
    return false
  }
}

/// Two processes asked for the same long value: one computes it, the other waits and loads it.
@Suite(.serialized) struct SharedComputationTests {
  @Test func aSecondProcessWaitsForTheFirstInsteadOfRecomputing() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-share")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = """
      model = load("smollm2-135m")
      texts = corpus("fortunes") |> excerpts(model, tokens: 32, limit: 600, seed: 4)
      acts = record(model, texts, layers: [0, 5])
      show acts |> table |> sort(by: "max", descending: true) |> head(3)
      """
    try script.write(toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
    let nxp = try TestEnvironment.productPath("nxp")
    var results: [CommandResult?] = [nil, nil]
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      // The second starts a moment later, once the first holds the record's lock.
      if i == 1 { usleep(1_000_000) }
      results[i] = try? CommandRunner.run(nxp, ["run", "r.nxp", "--summary"], in: dir)
    }
    let a = try #require(results[0]), b = try #require(results[1])
    #expect(a.status == 0, "\(a)")
    #expect(b.status == 0, "\(b)")
    #expect(a.stdout == b.stdout)
    #expect(b.stderr.contains("waiting for nxp process "), "\(b.stderr)")
    // The waiting process loaded the record instead of computing it.
    func computed(_ r: CommandResult) -> Int? {
      guard let line = r.stderr.split(separator: "\n").last(where: { $0.hasPrefix("[") }) else { return nil }
      return Int(line.dropFirst().prefix { $0.isNumber })
    }
    let ca = try #require(computed(a)), cb = try #require(computed(b))
    #expect(cb < ca, "first: \(a.stderr) second: \(b.stderr)")
    #expect(try CommandRunner.run(nxp, ["cache", "verify"], in: dir).stdout.hasSuffix(": 0 corrupt\n"))
  }
}
