import Foundation
import NxpCore
import NxpInterp
import NxpModels

/// `ablate(model, sims, chosen)`: the paper's ablation score of every explanation. On each valid
/// excerpt the subject model runs with the neuron replaced by its simulated activations (mapped
/// to neuron units by the linear calibration `score` fits on the calibration split), by its
/// recorded mean activation, and by 0; the Jensen-Shannon divergence from the model's own
/// next-token distribution, averaged over positions, gives `1 - JSD(simulated) / JSD(mean)`.
/// Every explanation sample is ablated; summaries take each neuron's kept sample.
final class AblateOp: Primitive {
  let name = "ablate"
  let version = 1
  var params: [Param] {
    [
      Param("model", .model, positional: true, doc: "the subject model the neurons were recorded from"),
      Param("simulations", .simulations, positional: true, doc: "what simulate returned (with the calibration split)"),
      Param("neurons", .neuronSet, positional: true, doc: "the neuron set the simulations were made from"),
      Param(
        "rows", .int, default: .int(256),
        doc: "most tokens per forward pass (memory: twice rows x vocabulary floats; does not change the result)"),
    ]
  }
  let summary =
    "ablation score of each explanation: the model's next-token distributions with the neuron replaced by its calibrated simulation, against mean-ablation"
  let example = "show ablate(model, sims, chosen)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .ablations }

  /// What one explanation's neuron takes on each of its valid excerpts that simulated.
  struct Plan {
    var row: Int
    /// Recorded excerpt index, calibrated simulated values, recorded activations.
    var excerpts: [(excerpt: Int, values: [Float], recorded: [Float])]
  }

  /// Saved after each group of neurons: the rows so far and the neurons they are final for.
  struct Progress: Codable {
    var done: [NeuronID]
    var rows: [AblationRow]
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let model = try args.object("model", ModelValue.self)
    let sims = try args.object("simulations", Simulations.self)
    let set = try args.object("neurons", NeuronSet.self)
    let maxRows = try args.positiveInt("rows")
    let c = model.configuration

    var position: [NeuronID: Int] = [:]
    for (i, id) in set.neurons.enumerated() { position[id] = i }
    // Calibration and the kept sample exactly as `score` computes them.
    let scored = ScoreOp.rows(sims.entries)
    for id in Set(scored.map(\.id)).sorted() {
      guard position[id] != nil else {
        throw UserError(
          "ablate: neuron \(id) was simulated but is not among the \(set.neurons.count) neurons given; pass the neuron set the simulations were made from"
        )
      }
      guard id.layer >= 0, id.layer < c.layerCount, id.index >= 0, id.index < c.intermediateSize else {
        throw UserError(
          "ablate: neuron \(id) is not in \(model.name) (layers 0..<\(c.layerCount), neurons 0..<\(c.intermediateSize)); were the neurons recorded with another model?"
        )
      }
    }

    // MARK: What each explanation's neuron takes
    struct Key: Hashable {
      var id: NeuronID
      var sample: Int
    }
    let valid = Dictionary(grouping: sims.entries.filter { $0.kind == .explanation && $0.split == "valid" }) {
      Key(id: $0.id, sample: $0.sample)
    }
    var rows: [AblationRow] = []
    var plans: [NeuronID: [Plan]] = [:]
    for (i, r) in scored.enumerated() {
      var row = AblationRow(
        layer: r.layer, neuron: r.neuron, sample: r.sample, explanation: r.explanation, score: nil, jsdSimulated: nil, jsdMean: nil,
        jsdZero: nil, mean: set.stats[position[r.id]!].mean, positions: 0, failures: 0, best: r.best, undefined: nil)
      let xs = valid[Key(id: r.id, sample: r.sample)] ?? []
      let ok = xs.filter { $0.simulation.expected?.count == $0.tokens.count }
      row.failures = xs.count - ok.count
      if r.explanation == nil {
        row.undefined = .noExplanation
      } else if let calibration = r.calibration {
        if ok.isEmpty {
          row.undefined = .simulationsFailed
        } else {
          let excerpts = ok.map { e in
            (e.excerpt, calibration.apply(e.simulation.expected!).map(Float.init), e.trueActivations)
          }
          plans[r.id, default: []].append(Plan(row: i, excerpts: excerpts))
        }
      } else {
        row.undefined = .noCalibration
      }
      rows.append(row)
    }

    // MARK: Resume
    var done = Set<NeuronID>()
    if let saved = try ctx.checkpoint.load() {
      if let data = saved.files["progress.json"], let p = try? JSONDecoder().decode(Progress.self, from: data), p.rows.count == rows.count,
        zip(p.rows, rows).allSatisfy({ $0.id == $1.id && $0.sample == $1.sample })
      {
        rows = p.rows
        done = Set(p.done)
      } else {
        ctx.reporter.warning("ablate: discarded the saved progress, which does not match this computation; ablating from the start")
      }
    }

    // MARK: Groups of neurons of one layer, enough copies to fill a batch
    let pending = plans.keys.sorted().filter { !done.contains($0) }
    var groups: [[NeuronID]] = []
    var groupRows = 0
    for id in pending {
      if let last = groups.last?.last, last.layer == id.layer, groupRows < maxRows {
        groups[groups.count - 1].append(id)
      } else {
        groups.append([id])
        groupRows = 0
      }
      // Mean and zero per excerpt, plus each explanation's copies.
      let excerpts = Set(plans[id]!.flatMap { $0.excerpts.map(\.excerpt) }).count
      groupRows += set.tokensPerExcerpt * (2 * excerpts + plans[id]!.reduce(0) { $0 + $1.excerpts.count })
    }

    let progress = ctx.reporter.progress("ablate", total: plans.count, unit: "neurons", resumedFrom: plans.count - pending.count)
    defer { progress.finish() }
    if !groups.isEmpty {
      let engine = try model.model()
      for group in groups {
        try ablate(group, plans: plans, set: set, engine: engine, modelName: model.name, maxRows: maxRows, rows: &rows)
        done.formUnion(group)
        let state = Progress(done: done.sorted(), rows: rows)
        try ctx.checkpoint.save(step: done.count, files: ["progress.json": try JSONEncoder().encode(state)])
        progress.advance(by: group.count)
      }
    }
    return .object(Ablations(payload: .init(rows: rows, model: model.name, backend: sims.payload.backend, method: sims.payload.method)))
  }

  /// Ablates one group of neurons of one layer and fills in their rows.
  func ablate(
    _ group: [NeuronID], plans: [NeuronID: [Plan]], set: NeuronSet, engine: TransformerModel, modelName: String, maxRows: Int,
    rows: inout [AblationRow]
  ) throws {
    let layer = group[0].layer
    let V = engine.configuration.vocabularySize
    var local: [Int: Int] = [:]
    var excerpts: [[Int32]] = []
    func index(_ e: Int, _ id: NeuronID) throws -> Int {
      if let i = local[e] { return i }
      guard let ids = set.excerptTokens[Int32(e)] else {
        throw UserError(
          "ablate: the neuron set does not hold excerpt \(e), simulated for neuron \(id); pass the neuron set the simulations were made from"
        )
      }
      for t in ids where t < 0 || Int(t) >= V {
        throw UserError(
          "ablate: excerpt \(e) holds token \(t), outside \(modelName)'s vocabulary of \(V); were the neurons recorded with another model?")
      }
      local[e] = excerpts.count
      excerpts.append(ids)
      return excerpts.count - 1
    }

    // Per neuron: mean- and zero-ablation of each excerpt any of its explanations simulated,
    // then each explanation's simulated copies.
    var replacements: [NeuronReplacement] = []
    var baseline: [NeuronID: [Int: (mean: Int, zero: Int)]] = [:]
    var simulated: [(plan: Plan, slots: [Int])] = []
    for id in group {
      let mean = Float(set.stats[set.neurons.firstIndex(of: id)!].mean)
      for e in Set(plans[id]!.flatMap { $0.excerpts.map(\.excerpt) }).sorted() {
        let x = try index(e, id)
        baseline[id, default: [:]][e] = (replacements.count, replacements.count + 1)
        replacements.append(NeuronReplacement(excerpt: x, neuron: id.index, values: [mean]))
        replacements.append(NeuronReplacement(excerpt: x, neuron: id.index, values: [0]))
      }
      for plan in plans[id]! {
        var slots: [Int] = []
        for x in plan.excerpts {
          slots.append(replacements.count)
          replacements.append(NeuronReplacement(excerpt: try index(x.excerpt, id), neuron: id.index, values: x.values))
        }
        simulated.append((plan, slots))
      }
    }
    let result = try engine.ablate(
      layer: layer, excerpts: excerpts, replacements: replacements, options: AblationOptions(maxRows: maxRows))

    for (plan, slots) in simulated {
      let id = rows[plan.row].id
      var positions = 0
      var sums = (simulated: 0.0, mean: 0.0, zero: 0.0)
      for (x, slot) in zip(plan.excerpts, slots) {
        try checkRecorded(x.recorded, result.original[slot], id: id, excerpt: x.excerpt, modelName: modelName)
        let b = baseline[id]![x.excerpt]!
        positions += x.values.count
        sums.simulated += result.divergences[slot].reduce(0, +)
        sums.mean += result.divergences[b.mean].reduce(0, +)
        sums.zero += result.divergences[b.zero].reduce(0, +)
      }
      let n = Double(positions)
      rows[plan.row].positions = positions
      rows[plan.row].jsdSimulated = sums.simulated / n
      rows[plan.row].jsdMean = sums.mean / n
      rows[plan.row].jsdZero = sums.zero / n
      if sums.mean > 0 {
        rows[plan.row].score = 1 - sums.simulated / sums.mean
      } else {
        rows[plan.row].undefined = .meanAblationChangesNothing
      }
    }
  }

  /// The model's own values of the neuron must be the recorded ones; otherwise the neuron set
  /// came from another model (or from neuron-explainer files, whose token ids are not a model's).
  func checkRecorded(_ recorded: [Float], _ computed: [Float], id: NeuronID, excerpt: Int, modelName: String) throws {
    var worst: Float = 0, scale: Float = 1
    for (a, b) in zip(recorded, computed) {
      worst = max(worst, abs(a - b))
      scale = max(scale, abs(a))
    }
    guard worst <= 1e-3 * scale, recorded.count == computed.count else {
      throw UserError(
        "ablate: on excerpt \(excerpt), neuron \(id) of \(modelName) takes values up to \(worst) away from the recorded ones: "
          + "were the neurons recorded with another model? (sets read by neuronRecords hold no token ids of a model and cannot be ablated)")
    }
  }
}
