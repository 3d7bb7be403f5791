import Foundation
import NxpCache
import NxpInterp
import NxpLLM
import NxpModels
import NxpTestSupport

/// The explainer and simulator on the local engine, and a llama.cpp server's request rate.
struct LLMBenchmark {
  var nxp: String
  var neurons: Int

  struct Pipeline {
    var neurons: Int
    var firstRun: Double
    var explainSeconds: Double
    var simulateSeconds: Double
    var cachedRun: Double
    var neuronsPerMinute: Double { Double(neurons) / ((explainSeconds + simulateSeconds) / 60) }
  }

  /// `explain`, `simulate` (calibration and valid) and `score` of `neurons` neurons by the local
  /// backend in a child `nxp run` with a fresh cache, then the same script again from the cache.
  func pipeline() throws -> Pipeline {
    let dir = NSTemporaryDirectory() + "nxp-bench-llm-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = """
      model = load("smollm2-135m")
      texts = corpus("fortunes") |> excerpts(model, tokens: 32, limit: 600, seed: 0)
      chosen = topk(record(model, texts, layers: [6]), k: 20, random: 20) |> neurons(random: \(neurons), seed: 1)
      sims = simulate(explain(chosen, by: "local"), chosen, by: "local")
      show score(sims)
      """
    try script.write(toFile: dir + "/llm.nxp", atomically: true, encoding: .utf8)
    let first = try runChild(nxp, ["run", dir + "/llm.nxp", "--cache", dir + "/cache"])
    guard first.status == 0 else { throw BenchError("the explain run failed (\(first.status)): \(first.stderr)") }
    let store = CacheStore(root: dir + "/cache")
    func seconds(_ primitive: String) throws -> Double {
      guard let entry = store.ls().first(where: { $0.primitive == primitive }), let m = try store.get(entry.key)?.manifest else {
        throw BenchError("no \(primitive) value in the cache")
      }
      return m.wallTime
    }
    let again = try runChild(nxp, ["run", dir + "/llm.nxp", "--cache", dir + "/cache"])
    return Pipeline(
      neurons: neurons, firstRun: first.seconds, explainSeconds: try seconds("explain"), simulateSeconds: try seconds("simulate"),
      cachedRun: again.seconds)
  }

  struct Simulation {
    var excerpts: Int
    var promptTokens: Int
    var fedTokens: Int
    var seconds: Double
    var promptTokensPerSecond: Double { Double(promptTokens) / seconds }
    var fedTokensPerSecond: Double { Double(fedTokens) / seconds }
  }

  /// All-at-once simulations of `excerpts` 32-token windows of fortunes under one explanation,
  /// with and without reusing the shared prefix's key/value cache, several excerpts in one batch
  /// (as `simulate` gives them) or one at a time.
  static func simulation(model: TransformerModel, excerpts: Int, reuse: Bool, batched: Bool) throws -> Simulation {
    let gguf = try ModelRegistry.files("smollm2-135m").first ?? ""
    let backend = try LocalBackend(model: model, template: try LocalBackend.chatTemplate(of: .gguf(path: gguf)), identityModel: "bench")
    backend.reusesPrefix = reuse
    guard let tokenizer = try model.tokenizer() else { throw BenchError("the model has no tokenizer") }
    // The installed fortunes corpus (one JSON object with a "text" field per line).
    let path = (ModelRegistry.modelsDirectory() as NSString).deletingLastPathComponent + "/corpora/fortunes.jsonl"
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").prefix(400)
    let texts = lines.compactMap { line -> String? in
      (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
    }
    let ids = tokenizer.encode(texts.joined(separator: "\n\n"), addSpecialTokens: false)
    guard ids.count >= excerpts * 32 else { throw BenchError("the corpus at \(path) is too short") }
    let windows = (0..<excerpts).map { i in ids[(i * 32)..<((i + 1) * 32)].map { tokenizer.tokenText($0) } }
    let simulator = Simulator(backend: backend, method: .allAtOnce)
    let start = Date()
    let explanation = "the word \"the\" at the start of a sentence"
    let simulations =
      batched
      ? try simulator.simulate(explanation: explanation, excerpts: windows)
      : try windows.map { try simulator.simulate(explanation: explanation, tokens: $0) }
    let prompt = simulations.reduce(0) { $0 + $1.usage.promptTokens }
    return Simulation(
      excerpts: excerpts, promptTokens: prompt, fedTokens: backend.fedTokens, seconds: Date().timeIntervalSince(start))
  }

  enum ServerRate {
    case measured(perConcurrency: [(concurrency: Int, requestsPerSecond: Double)])
    case notMeasured(String)
  }

  /// Short chat requests (one generated token) against llama-cpp-python's server on the default
  /// GGUF, at 1 and 4 in flight.
  static func serverRate(requests: Int) -> ServerRate {
    guard let gguf = try? ModelRegistry.files("smollm2-135m").first else { return .notMeasured("the model is missing") }
    // The launcher the tests use: a free loopback port, stopped when this process lets go of it.
    let server: PortServer
    do {
      server = try PortServer(script: "llama_server.py", [gguf])
    } catch {
      return .notMeasured("llama-cpp-python's server did not start (scripts/setup.sh --test installs it): \(error)")
    }
    defer { server.stop() }
    var rates: [(Int, Double)] = []
    for width in [1, 4] {
      guard
        let b = try? OpenAIBackend(.init(baseURL: server.baseURL, model: "smollm2-135m", concurrency: width))
      else { return .notMeasured("the backend could not be made") }
      let start = Date()
      do {
        try ParallelJobs.run(count: requests, width: width) { i in
          _ = try b.generate(
            GenerationRequest(
              prompt: ChatPrompt([ChatMessage(.user, "Say one word about the number \(i + 1000 * width).")]),
              sampling: Sampling(maxTokens: 1)))
        }
      } catch {
        return .notMeasured("a request failed: \(error)")
      }
      rates.append((width, Double(requests) / Date().timeIntervalSince(start)))
    }
    return .measured(perConcurrency: rates)
  }
}
