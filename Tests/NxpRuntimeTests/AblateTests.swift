import Foundation
import NxpCore
import NxpInterp
import NxpLLM
@testable import NxpRuntime
import NxpTestSupport
import Testing

/// Simulations chosen by the test rather than by a language model, so ablation's ends are known:
/// the calibration split is "simulated" as the true activations (the calibration fitted on it is
/// then exactly the identity), and the valid split as `valid` says: "own" (the true activations),
/// "mean" (the neuron's recorded mean), "failed" (every simulation failed), or "uncalibrated"
/// (the true activations, with no calibration split at all).
final class GivenSimulationsOp: Primitive {
  let name = "givenSimulations"
  let version = 1
  var params: [Param] {
    [
      Param("neurons", .neuronSet, positional: true, doc: "a neuron set"),
      Param("valid", .string, positional: true, doc: "own, mean, failed"),
    ]
  }
  let summary = "test"
  let example = "givenSimulations(chosen, \"own\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .simulations }
  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    .object(Self.simulations(try args.object("neurons", NeuronSet.self), valid: try args.string("valid")))
  }

  static func simulations(_ set: NeuronSet, valid: String) -> Simulations {
    var entries: [SimulatedExcerpt] = []
    for p in set.neurons.indices {
      let splits = set.splits(at: p)
      let id = set.neurons[p]
      for (split, records) in [("calibration", splits.calibration), ("valid", splits.valid)] {
        if split == "calibration" && valid == "uncalibrated" { continue }
        for r in records {
          let own = r.activations.map(Double.init)
          var expected: [Double]? = own
          if split == "valid" && valid == "mean" { expected = own.map { _ in set.stats[p].mean } }
          if split == "valid" && valid == "failed" { expected = nil }
          entries.append(
            SimulatedExcerpt(
              layer: id.layer, neuron: id.index, sample: 0, kind: .explanation, explanation: "given: \(valid)", split: split, group: "top",
              excerpt: r.excerpt, tokens: r.tokens, trueActivations: r.activations,
              simulation: SequenceSimulation(expected: expected, failure: expected == nil ? "given as failed" : nil)))
        }
      }
    }
    return Simulations(payload: .init(method: "given", backend: "test", entries: entries, ledger: nil))
  }
}

/// Saved progress kept in memory, to watch what `ablate` saves and hand it back.
final class MemoryCheckpoint: CheckpointAccess {
  var saved: (step: Int, files: [String: Data])?
  var saves: [[String: Data]] = []
  func load() throws -> (step: Int, files: [String: Data])? { saved }
  func save(step: Int, parts: (_ write: (_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    var files: [String: Data] = [:]
    try parts { name, bytes in files[name] = Data(bytes) }
    saved = (step, files)
    saves.append(files)
  }
  func clear() { saved = nil }
}

/// `ablate` on SmolLM2 with simulations whose outcome is known: the true activations must score 1
/// and the mean exactly 0; undefined scores stay undefined; progress is saved per neuron and resumed.
@Suite(.serialized) struct AblateTests {
  static let script = """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 12, limit: 60, seed: 0)
    acts = record(model, texts, layers: [6], top: 8, random: 6)
    chosen = topk(acts, k: 8, random: 6) |> neurons(indices: [212, 367])

    """

  static func fixture() throws -> ScriptFixture {
    _ = try TestEnvironment.defaultModelPath()
    return try ScriptFixture(registry: PrimitiveRegistry.standard.adding([GivenSimulationsOp()]))
  }

  static func value<T: RuntimeObject>(_ f: ScriptFixture, _ text: String, _ name: String, _ type: T.Type) throws -> T {
    let g = try f.graph(text)
    guard case .node(let n)? = g.bindings[name], case .object(let o as T) = try f.session.evaluator.value(n) else {
      throw TestSupportError("no \(T.self) bound to \(name)")
    }
    return o
  }

  @Test func ownValuesScoreOneAndTheMeanScoresExactlyZero() throws {
    let f = try Self.fixture()
    let text =
      Self.script + """
        own = ablate(model, givenSimulations(chosen, "own"), chosen)
        mean = ablate(model, givenSimulations(chosen, "mean"), chosen)
        """
    let own = try Self.value(f, text, "own", Ablations.self)
    let mean = try Self.value(f, text, "mean", Ablations.self)
    #expect(own.rows.map(\.neuron) == [212, 367] && mean.rows.map(\.neuron) == [212, 367])
    for (o, m) in zip(own.rows, mean.rows) {
      // 2 top + 2 random valid excerpts of 12 tokens.
      #expect(o.positions == 48 && m.positions == 48)
      let jsdMean = try #require(o.jsdMean), jsdZero = try #require(o.jsdZero)
      #expect(jsdMean > 1e-6 && jsdZero > 1e-6, "mean- and zero-ablation move the model: \(o)")
      #expect(try #require(o.jsdSimulated) < 1e-9 * max(1, jsdMean * 1e6), "own values: \(o)")
      #expect(abs(try #require(o.score) - 1) < 1e-6, "own values: \(o)")
      // The mean fed as the simulation is mean-ablation itself: the same runs, score 0 exactly.
      // Across the two computations, whose batches differ, mean-ablation's divergence agrees to
      // float32 rounding (measured 1.3e-4 relative at 1.4e-4 nats; tolerance 1e-3).
      #expect(m.score == 0 && m.jsdSimulated == m.jsdMean, "mean: \(m)")
      let mJsdMean = try #require(m.jsdMean)
      #expect(abs(mJsdMean - jsdMean) <= 1e-3 * jsdMean, "\(o) \(m)")
      #expect(o.mean == m.mean && o.undefined == nil && o.best)
    }
    let shown = own.render(RenderStyle())
    #expect(shown.contains("ablation score") && shown.contains("jsd simulated") && shown.contains("jsd zero"), "\(shown)")
    #expect(shown.contains("Ablation scores of 2 neurons of smollm2-135m (test, given): mean 1.000 (2 of 2 defined)"), "\(shown)")
  }

  @Test func undefinedScoresAreShownAsSuchNeverAsZero() throws {
    let f = try Self.fixture()
    let text =
      Self.script + """
        failed = ablate(model, givenSimulations(chosen, "failed"), chosen)
        uncalibrated = ablate(model, givenSimulations(chosen, "uncalibrated"), chosen)
        """
    let failed = try Self.value(f, text, "failed", Ablations.self)
    let uncalibrated = try Self.value(f, text, "uncalibrated", Ablations.self)
    for r in failed.rows + uncalibrated.rows {
      #expect(r.score == nil && r.jsdSimulated == nil && r.jsdMean == nil && r.positions == 0)
    }
    #expect(failed.rows.allSatisfy { $0.undefined == .simulationsFailed && $0.failures == 4 })
    #expect(uncalibrated.rows.allSatisfy { $0.undefined == .noCalibration })
    let shown = failed.render(RenderStyle())
    #expect(shown.contains("none defined") && shown.contains("undefined for 2: every valid simulation failed"), "\(shown)")
    // The table shows "-" where a score is undefined, and table verbs and save take it.
    let out = try f.run(text + "\nshow failed |> select([\"neuron\", \"ablation score\"])\nsave(uncalibrated, to: \"u.json\")\n")
    #expect(out.contains("   212               -\n   367               -\n"), "\(out)")
    let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.dir + "/u.json"))) as! [[String: Any]]
    #expect(saved.count == 2 && saved.allSatisfy { $0["ablation score"] is NSNull })
  }

  @Test func simulationsOfNeuronsMissingFromTheSetAreRefused() throws {
    let f = try Self.fixture()
    let g = try f.graph(
      Self.script + """
        sims = givenSimulations(chosen, "own")
        show ablate(model, sims, chosen[6:212])
        """)
    #expect(throws: (any Error).self) { try f.session.run(g) { _ in } }
    do {
      try f.session.run(g) { _ in }
    } catch {
      #expect(
        "\(error)".contains(
          "ablate: neuron 6:367 was simulated but is not among the 1 neurons given; pass the neuron set the simulations were made from"),
        "\(error)")
    }
  }

  /// A checkpoint after each group of neurons (here one neuron each, `rows: 16`); a run given the
  /// first one keeps that neuron's saved row and computes only the other; a damaged one is
  /// discarded with a warning.
  @Test func progressIsSavedPerNeuronAndResumed() throws {
    let f = try Self.fixture()
    let model = try Self.value(f, Self.script + "show model\n", "model", ModelValue.self)
    let set = try Self.value(f, Self.script, "chosen", NeuronSet.self)
    let sims = GivenSimulationsOp.simulations(set, valid: "own")
    let args = Arguments(
      ["model": .object(model), "simulations": .object(sims), "neurons": .object(set), "rows": .int(16)], primitive: "ablate")
    func run(_ checkpoint: MemoryCheckpoint, _ reporter: CollectingReporter = CollectingReporter()) throws -> Ablations {
      let ctx = RunContext(
        plan: PlanContext(environment: Environment(workingDirectory: f.dir), baseDirectory: f.dir), key: "test", checkpoint: checkpoint,
        models: ModelPool(), style: RenderStyle(), reporter: reporter)
      guard case .object(let o as Ablations) = try AblateOp().run(args, ctx) else { throw TestSupportError("not ablations") }
      return o
    }
    let first = MemoryCheckpoint()
    let full = try run(first)
    #expect(first.saves.count == 2)
    var progress = try JSONDecoder().decode(AblateOp.Progress.self, from: try #require(first.saves[0]["progress.json"]))
    #expect(progress.done.map(\.index) == [212])
    #expect(progress.rows[0].score == full.rows[0].score && progress.rows[1].score == nil)

    // Resumed: the saved row (marked) is kept, the other neuron is computed.
    progress.rows[0].jsdZero = 12345
    let resumed = MemoryCheckpoint()
    resumed.saved = (1, ["progress.json": try JSONEncoder().encode(progress)])
    let again = try run(resumed)
    #expect(again.rows[0].jsdZero == 12345 && resumed.saves.count == 1)
    #expect(again.rows[1] == full.rows[1])

    let damaged = MemoryCheckpoint()
    damaged.saved = (1, ["progress.json": Data("{".utf8)])
    let reporter = CollectingReporter()
    let redone = try run(damaged, reporter)
    #expect(redone.rows == full.rows)
    #expect(reporter.warnings.contains { $0.contains("ablate: discarded the saved progress") }, "\(reporter.warnings)")
  }
}
