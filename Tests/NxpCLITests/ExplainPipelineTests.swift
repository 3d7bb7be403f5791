import Foundation
import NxpTestSupport
import Testing

/// explain, simulate and score through the real binary: scores checked against numpy, re-runs
/// answered from the request cache, a server's faults and a killed run, and an API key that
/// never leaves the request header.
@Suite(.serialized) struct ExplainPipelineTests {
  /// Records of two neurons over short excerpts, split 2 top + 2 random per scored split.
  static func records(_ pick: String) -> String {
    """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 12, limit: 60, seed: 0)
    acts = record(model, texts, layers: [6], top: 8, random: 6)
    chosen = topk(acts, k: 8, random: 6) |> neurons(\(pick))

    """
  }

  struct Expected: Decodable {
    var layer: Int
    var neuron: Int
    var sample: Int
    var score: Double?
    var top: Double?
    var random: Double?
    var baseline: Double?
    var shuffled: Double?
    var r2: Double?
    var failures: Int
  }

  @Test func scoresMatchNumpyOnTheSavedSimulationsAndARerunSendsNothing() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script =
      Self.records("indices: [212, 367]") + """
        mine = explanation([6:212, 6:367], ["the word Journal in the names of publications", "the end of a text"])
        sims = simulate(mine, chosen, by: "local")
        scores = score(sims)
        save(sims, to: "sims.jsonl")
        save(scores, to: "scores.json")
        show scores
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let first = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(first.status == 0, "\(first)")
    #expect(first.stdout.contains("Scores of 2 neurons (local:smollm2-135m#"))
    #expect(first.stderr.contains("simulate: local:smollm2-135m#"), "the ledger is reported: \(first.stderr)")

    // Every simulated excerpt, with neuron-explainer's field names.
    let lines = try String(contentsOfFile: dir + "/sims.jsonl", encoding: .utf8).split(separator: "\n")
    // 2 neurons x (calibration 4 + valid 4 + shuffled 4 + baseline calibration and valid 8).
    #expect(lines.count == 40)
    let row = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
    for field in [
      "tokens", "true_activations", "expected_activations", "distribution_values", "distribution_probabilities", "layer", "neuron",
      "explanation", "split",
    ] {
      #expect(row[field] != nil, "missing \(field)")
    }

    let expected = try JSONDecoder().decode(
      [Expected].self, from: try PythonReference.run("simulation_scores_reference.py", [dir + "/sims.jsonl"]))
    let mine = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/scores.json"))) as! [[String: Any]]
    #expect(expected.count == 2 && mine.count == 2)
    for (e, m) in zip(expected, mine) {
      #expect(m["layer"] as? Int == e.layer && m["neuron"] as? Int == e.neuron)
      #expect(m["failures"] as? Int == e.failures && e.failures == 0)
      for (name, value) in [
        ("score", e.score), ("top", e.top), ("random", e.random), ("baseline", e.baseline), ("shuffled", e.shuffled), ("r2", e.r2),
      ] {
        let got = m[name] as? Double
        #expect(
          (got == nil) == (value == nil), "\(name) of \(e.neuron): nxp \(String(describing: got)), numpy \(String(describing: value))")
        if let got, let value { #expect(abs(got - value) < 1e-9, "\(name) of \(e.neuron): nxp \(got), numpy \(value)") }
      }
    }
    #expect(expected.contains { $0.score != nil }, "no score was defined: \(expected)")

    // The ledger and the backend are kept in the simulations' provenance.
    let manifests = FileManager.default.enumerator(atPath: dir + "/cache/objects")!.compactMap { $0 as? String }.filter {
      $0.hasSuffix("manifest.json")
    }
    let simulate = try manifests.map { try String(contentsOfFile: dir + "/cache/objects/" + $0, encoding: .utf8) }.filter {
      $0.contains("\"primitive\" : \"simulate\"")
    }
    #expect(simulate.count == 1)
    #expect(simulate.first?.contains("\"ledger\" : \"24 requests, ") == true, "\(simulate)")
    #expect(simulate.first?.contains("\"backend\" : \"local:smollm2-135m#") == true)

    // The same script again computes nothing; with the values gone but the requests kept, it
    // recomputes offline from the request cache and prints the same.
    let second = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--summary"], in: dir)
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("[0 computed,"), "\(second.stderr)")
    try FileManager.default.removeItem(atPath: dir + "/cache/objects")
    let third = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(third.stdout == first.stdout)
    #expect(third.stderr.contains("simulate: local:smollm2-135m#"), "\(third.stderr)")
    #expect(third.stderr.contains(": 0 requests (24 from cache)"), "\(third.stderr)")

    // A stored answer changed on disk fails its checksum: verify removes it and says so, and the
    // next run asks that one request again.
    let answers = FileManager.default.enumerator(atPath: dir + "/cache/requests")!.compactMap { $0 as? String }.filter {
      $0.hasSuffix(".json")
    }.sorted()
    // One answer per distinct request (two of the 24 may be the same request: an excerpt shared
    // by the two neurons and simulated from the same explanation).
    #expect((20...24).contains(answers.count), "\(answers.count) stored answers")
    let stored = answers.count
    let victim = dir + "/cache/requests/" + answers[0]
    var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
    bytes[10] ^= 0x20
    try bytes.write(to: URL(fileURLWithPath: victim))
    let verify = try CommandRunner.nxp(["cache", "verify", "--cache", dir + "/cache"], in: dir)
    #expect(verify.status != 0)
    #expect(verify.stdout.contains("stored answer failed its checksum; removed"), "\(verify)")
    #expect(verify.stdout.contains("checked \(stored) stored answers of language-model requests: 1 corrupt"), "\(verify)")
    try FileManager.default.removeItem(atPath: dir + "/cache/objects")
    let fourth = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(fourth.stdout == first.stdout)
    // Only the request (or the identical requests) whose answer was removed is sent again.
    #expect(
      fourth.stderr.contains(": 1 request (23 from cache)") || fourth.stderr.contains(": 2 requests (22 from cache)"), "\(fourth.stderr)")

    // gc keeps the answers unless told; --requests deletes them.
    let gc = try CommandRunner.nxp(["cache", "gc", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(gc.stdout.contains("kept \(stored) stored answers of language-model requests"), "\(gc)")
    let dropped = try CommandRunner.nxp(["cache", "gc", "s.nxp", "--requests", "--cache", dir + "/cache"], in: dir)
    #expect(dropped.stdout.contains("deleted \(stored) stored answers of language-model requests"), "\(dropped)")
    let clean = try CommandRunner.nxp(["cache", "verify", "--cache", dir + "/cache"], in: dir)
    #expect(clean.status == 0 && !clean.stdout.contains("stored answers"), "\(clean)")
  }

  /// Best of n: every sample is simulated on the calibration, valid and test splits; the kept one
  /// has the best valid score and reports its held-out test score.
  @Test func bestOfNKeepsTheBestValidScoreAndReportsItsTestScore() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script =
      Self.records("indices: [212]") + """
        sims = simulate(explain(chosen, by: "local", samples: 2), chosen, by: "local")
        save(score(sims), to: "scores.json")
        show score(sims)
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(r.status == 0, "\(r)")
    let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/scores.json"))) as! [[String: Any]]
    #expect(rows.count == 2)
    #expect(rows.map { $0["sample"] as? Int } == [0, 1])
    let best = rows.filter { $0["best"] as? Bool == true }
    #expect(best.count == 1)
    let scores = rows.map { $0["score"] as? Double ?? -.infinity }
    #expect((best[0]["score"] as? Double ?? -.infinity) == scores.max())
    #expect(rows.allSatisfy { $0["test"] != nil && !($0["test"] is NSNull) } || rows.allSatisfy { ($0["failures"] as? Int ?? 0) > 0 })
    #expect(r.stdout.contains("held-out test"), "\(r.stdout)")
  }

  @Test func aPersonsExplanationOfANeuronNotInTheSetIsRefused() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script =
      Self.records("indices: [212]") + """
        sims = simulate(explanation(6:5, "commas"), chosen)
        show score(sims)
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(r.status != 0)
    #expect(r.stderr.contains("neuron 6:5 has an explanation but is not among the 1 neurons given"), "\(r.stderr)")
  }

  @Test func anAPIKeyReachesOnlyTheRequestHeaderAndFailedRepliesAreCountedNotZeroed() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let key = "sk-nxp-test-4f1c9e2b7a"
    let script =
      Self.records("first: 2") + """
        judge = llm("openai", model: "fake-model", baseURL: "\(server.baseURL)", retries: 1, timeout: 10)
        expl = explain(chosen, by: judge)
        sims = simulate(expl, chosen, by: judge, method: "generate")
        show expl
        show score(sims)
        save(score(sims), to: "scores.csv")
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir, environment: ["OPENAI_API_KEY": key])
    #expect(r.status == 0, "\(r)")
    // The fake server's replies are not simulations: every excerpt is a counted failure and the
    // scores are undefined, never 0.
    #expect(r.stdout.contains("mean undefined"), "\(r.stdout)")
    #expect(r.stdout.contains("excerpts failed to simulate"), "\(r.stdout)")
    let stats = try server.stats()
    #expect(stats.authorization == ["Bearer \(key)"])
    #expect(stats.keyElsewhere == 0)
    #expect(!r.stdout.contains(key) && !r.stderr.contains(key))
    // Nothing written under the folder (cache values, manifests, request answers, run logs,
    // saved files) holds the key.
    let files = FileManager.default.enumerator(atPath: dir)!.compactMap { $0 as? String }
    #expect(files.contains { $0.hasPrefix("cache/requests/") })
    for f in files {
      guard let data = FileManager.default.contents(atPath: dir + "/" + f) else { continue }
      #expect(data.range(of: Data(key.utf8)) == nil, "\(f) holds the API key")
    }
  }

  @Test func aServerThatKeepsFailingNamesTheRequestAndAKilledRunResumesWithoutResending() throws {
    let server = try FaultServer(["--hold", "0.4"])
    defer { server.stop() }
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script =
      Self.records("first: 2") + """
        judge = llm("openai", model: "fake-model", baseURL: "\(server.baseURL)", concurrency: 1, retries: 1, timeout: 10)
        sims = simulate(explanation([6:0, 6:1], ["commas", "names"]), chosen, by: judge, method: "generate")
        show score(sims)
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try TestEnvironment.productPath("nxp"))
    p.arguments = ["run", "s.nxp", "--cache", dir + "/cache"]
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(120)
    while try server.stats().requests < 4 && Date() < deadline && p.isRunning { Thread.sleep(forTimeInterval: 0.1) }
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    let before = try server.stats().requests
    #expect(before >= 4)
    let r = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(r.status == 0, "\(r)")
    let stats = try server.stats()
    // 2 neurons x (calibration 4 + valid 4 + shuffled 4) prompts (fewer when two are the same
    // text: a random excerpt both neurons share, under the same explanation), each answered
    // once; only the one in flight when the run was killed may have been sent twice.
    // Each run also probes the server once; only the simulation prompts are counted here.
    let simulations = stats.counts.filter { $0.key.contains("Write every line again") }
    let sent = simulations.values.reduce(0, +)
    #expect(simulations.count >= 20 && simulations.count <= 24, "\(stats.counts.keys)")
    #expect(sent <= simulations.count + 1, "\(sent) requests for \(simulations.count) prompts")
    #expect(r.stderr.contains("from cache"), "\(r.stderr)")
  }

  @Test func aRequestThatFailsAfterItsRetriesIsAnErrorNamingTheNeuronAndTheServersAnswer() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script =
      Self.records("indices: [212]") + """
        judge = llm("openai", model: "fake-model", baseURL: "\(server.baseURL)", retries: 1, timeout: 10)
        show score(simulate(explanation(6:212, "names #fault:503"), chosen, by: judge, method: "generate", baselines: false))
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir, environment: ["OPENAI_API_KEY": "sk-zzz-test"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("simulate 6:212 (sample 0, calibration excerpt"), "\(r.stderr)")
    #expect(r.stderr.contains("failed after 2 attempts"), "\(r.stderr)")
    #expect(r.stderr.contains("503"), "\(r.stderr)")
    #expect(!r.stderr.contains("sk-zzz-test"))
  }

  /// The loop through llama.cpp's server (llama-cpp-python on the installed GGUF): explanations
  /// by chat, simulations token by token (all at once through it takes a minute per excerpt;
  /// NxpLLMTests compare that one with the local engine), scores.
  @Test(.enabled(if: LlamaServer.enabled, "llama_cpp is not importable: scripts/setup.sh --test installs it"))
  func theLoopRunsThroughALlamaCppServer() throws {
    let server = try LlamaServer.start()
    let dir = try TestEnvironment.temporaryDirectory("nxp-explain")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = """
      model = load("smollm2-135m")
      texts = corpus("fortunes") |> excerpts(model, tokens: 6, limit: 40, seed: 0)
      acts = record(model, texts, layers: [6], top: 4, random: 3)
      chosen = topk(acts, k: 4, random: 3) |> neurons(indices: [212])
      server = llm("openai", model: "smollm2-135m", baseURL: "\(server.baseURL)", template: "chatml", concurrency: 2, timeout: 300)
      expl = explain(chosen, by: server)
      sims = simulate(expl, chosen, by: server, method: "token-by-token")
      show score(sims)
      """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(r.status == 0, "\(r)")
    #expect(r.stdout.contains("Scores of 1 neuron (openai:smollm2-135m@\(server.baseURL), token-by-token)"), "\(r.stdout)")
    // calibration and valid: 1 top + 1 random excerpt of 6 tokens each, one request per token;
    // an excerpt stops at a token whose top 20 (the server's limit) holds no digit, and counts
    // as a failure (the 135M model often expects "unknown" there).
    let sent = r.stderr.split(separator: "\n").first { $0.hasPrefix("simulate:") }.flatMap { line in
      line.components(separatedBy: "token-by-token: ").last?.split(separator: " ").first.flatMap { Int($0) }
    }
    #expect(sent.map { $0 > 6 && $0 <= 24 } == true, "\(r.stderr)")
  }
}
