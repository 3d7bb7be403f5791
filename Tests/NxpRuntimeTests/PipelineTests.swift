import Foundation
import NxpRuntime
import NxpTestSupport
import Testing

/// The model primitives end to end in one process: excerpts are reproducible, and records and
/// neuron sets read back from the cache exactly as they were computed.
@Suite(.serialized) struct PipelineTests {
  static let script = """
    param seed = 1
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 16, limit: 40, seed: seed)
    acts = record(model, texts, layers: [0, 2], top: 8, random: 6, perQuantile: 2)
    top = topk(acts, k: 8, random: 6) |> neurons(layer: 2, indices: [5, 1, 9])

    """

  func fixture() throws -> ScriptFixture {
    _ = try TestEnvironment.defaultModelPath()
    return try ScriptFixture(files: ["p.nxp": Self.script])
  }

  @Test func excerptsAreReproducibleForASeed() throws {
    let f = try fixture()
    let show = "show texts |> table |> head(3)\n"
    let a = try f.run(Self.script + show)
    let b = try ScriptFixture(files: [:]).run(Self.script + show)
    #expect(a == b)
    let c = try f.run(Self.script.replacingOccurrences(of: "param seed = 1", with: "param seed = 2") + show)
    #expect(a != c)
    let g = try f.graph(Self.script + "show texts\n")
    guard case .node(let n)? = g.bindings["texts"] else { Issue.record("no node"); return }
    guard case .object(let o) = try f.session.evaluator.value(n), let e = o as? Excerpts else { Issue.record("not excerpts"); return }
    #expect(e.count == 40)
    #expect(e.tokensPerExcerpt == 16)
    #expect(e.ids.count == 640)
  }

  @Test func recordsAndNeuronSetsReadBackExactly() throws {
    let f = try fixture()
    let shows = """
      show acts |> table |> sort(by: "max", descending: true) |> head(4)
      show top |> table
      show top[2:9]
      show acts[0:3]
      """
    let first = try f.run(Self.script + shows)
    #expect(first.contains("neuron 2:9"))
    #expect(f.session.evaluator.computed.count > 0)
    // A new session over the same cache decodes everything from disk.
    let second = Session(cacheRoot: f.dir + "/.nxp/cache", environment: Environment(workingDirectory: f.dir))
    let (g, _) = second.graph(second.load(path: f.dir + "/script.nxp"))
    var out = ""
    try second.run(g!) { out += $0 }
    #expect(out == first)
    #expect(second.evaluator.computed.isEmpty)
    // The records themselves decode to the same tables as when they were computed.
    let third = Session(cacheRoot: f.dir + "/.nxp/cache", environment: Environment(workingDirectory: f.dir))
    try (Self.script + "show acts |> table\nshow topk(acts, k: 8, random: 6) |> table\n").write(
      toFile: f.dir + "/again.nxp", atomically: true, encoding: .utf8)
    let (g3, _) = third.graph(third.load(path: f.dir + "/again.nxp"))
    var fromCache = ""
    try third.run(g3!) { fromCache += $0 }
    let fresh = try ScriptFixture(files: [:]).run(Self.script + "show acts |> table\nshow topk(acts, k: 8, random: 6) |> table\n")
    #expect(fromCache == fresh)
  }

  @Test func topkNeedsWhatRecordKept() throws {
    let f = try fixture()
    do {
      _ = try f.run(Self.script + "show topk(acts, k: 20) |> head(1)\n")
      Issue.record("expected a failure")
    } catch let e as RuntimeFailure {
      // What is possible now first, then what recording more would cost.
      #expect(
        e.message.hasPrefix(
          "topk: k is 20 but the records keep only 8 top excerpts per neuron; use k: 8 or less (recording top: 20 would need "))
    }
  }
}
