import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// `simulate(expl, top, by: "local")`: each explanation's simulated activations on its neuron's
/// calibration and valid excerpts (and test ones for best-of-n), with the two baselines beside
/// them: the token baseline, and each neuron simulated from another neuron's explanation.
final class SimulateOp: Primitive {
  let name = "simulate"
  /// The prompts' version: new prompt text gives new simulations.
  var version: Int { SimulationPrompt.version }
  var params: [Param] {
    [
      Param("explanations", .explanations, positional: true, doc: "what explain or explanation returned"),
      Param("neurons", .neuronSet, positional: true, doc: "the same neurons with their records"),
      Param("by", .backend, default: .string("local"), doc: "the simulator: \"local\", \"openai:MODEL\" or llm(...)"),
      Param(
        "method", .oneOf([.string, .null]), default: .null,
        doc: "\"all-at-once\", \"token-by-token\" or \"generate\" (default: the best the backend offers)"),
      Param(
        "splits", .oneOf([.string, .list(.string)]), default: .list([.string("calibration"), .string("valid")]),
        doc: "splits to simulate; test is added for best-of-n"),
      Param("baselines", .bool, default: .bool(true), doc: "also simulate the token baseline and shuffled explanations"),
    ]
  }
  let summary = "simulated activations of each explanation's neuron on its held-out excerpts, with token-baseline and shuffled baselines"
  let example = "sims = simulate(expl, top, by: \"local\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .simulations }
  func environmentKey(_ args: Arguments, _ ctx: PlanContext) throws -> [String: String] { try Backends.environmentKey(args, ctx) }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let explanations = try args.object("explanations", Explanations.self)
    let set = try args.object("neurons", NeuronSet.self)
    let spec = try Backends.spec(args["by"], ctx.plan)
    guard spec.kind != "baseline" else {
      throw UserError(
        "simulate: the baseline has no simulator for written explanations; simulate with a language model (\"local\" or \"openai:MODEL\"): the token baseline's own score is computed beside every simulation"
      )
    }
    var splits = try args.strings("splits")
    for s in splits where !["calibration", "valid", "test"].contains(s) {
      throw UserError("simulate: unknown split \"\(s)\"; the scored splits are calibration, valid and test")
    }
    guard splits.contains("valid") else { throw UserError("simulate: `splits:` must include valid, where scores are computed") }
    if explanations.entries.contains(where: { $0.sample > 0 }) && !splits.contains("test") { splits.append("test") }

    guard let session = try Backends.make(spec, ctx) else { throw InternalError("no backend for \(spec)") }
    let backend = session.backend
    let before = session.ledger.snapshot
    let method: SimulationMethod
    let offered = try backend.capabilities()
    if let m = try args.optionalString("method") {
      guard let chosen = SimulationMethod(rawValue: m), chosen != .tokenBaseline else {
        throw UserError("simulate: unknown method \"\(m)\"; use \"all-at-once\", \"token-by-token\" or \"generate\"")
      }
      if chosen == .allAtOnce && !offered.promptLogprobs {
        throw UserError(
          "simulate: \(backend.identity) gives no prompt log-probabilities, so it cannot simulate all at once; use \"token-by-token\" or \"generate\""
        )
      }
      if chosen == .tokenByToken && (offered.generatedTopLogprobs == 0 || !offered.continuesFinalMessage) {
        throw UserError(
          "simulate: \(backend.identity) cannot simulate token by token (it needs log-probabilities of generated tokens and a prompt it continues; give llm(..., template:) for a server); use \"generate\""
        )
      }
      method = chosen
    } else {
      method = SimulationMethod.best(for: offered)
    }

    // MARK: Jobs
    var position: [NeuronID: Int] = [:]
    for (i, id) in set.neurons.enumerated() { position[id] = i }
    for id in explanations.neurons where position[id] == nil {
      throw UserError("simulate: neuron \(id) has an explanation but is not among the \(set.neurons.count) neurons given")
    }
    // Each neuron's splits with token text, made once.
    let neuronSplits = set.neurons.indices.map { set.splits(at: $0) }
    func excerpts(_ p: Int, _ splitName: String) -> [(group: String, record: ActivationRecord)] {
      let index = NeuronSet.splitNames.firstIndex(of: splitName)!
      let records = neuronSplits[p].named[index].records
      let tops = set.topCount(at: p, split: index)
      return records.enumerated().map { ($0.offset < tops ? "top" : "random", $0.element) }
    }
    func entry(
      _ p: Int, _ sample: Int, _ kind: SimulatedExcerpt.Kind, _ text: String, _ split: String, _ group: String, _ r: ActivationRecord
    )
      -> SimulatedExcerpt
    {
      let id = set.neurons[p]
      return SimulatedExcerpt(
        layer: id.layer, neuron: id.index, sample: sample, kind: kind, explanation: text, split: split, group: group, excerpt: r.excerpt,
        tokens: r.tokens, trueActivations: r.activations, simulation: SequenceSimulation(expected: nil))
    }
    var jobs: [SimulatedExcerpt] = []
    for e in explanations.entries {
      guard let text = e.text, let p = position[e.id] else { continue }
      for split in splits {
        for (group, r) in excerpts(p, split) {
          jobs.append(entry(p, e.sample, .explanation, text, split, group, r))
        }
      }
    }
    var finished: [SimulatedExcerpt] = []
    let neurons = explanations.neurons
    if try args.bool("baselines") {
      for id in neurons {
        let p = position[id]!
        let table = neuronSplits[p].tokenBaseline
        for split in splits {
          for (group, r) in excerpts(p, split) {
            var x = entry(p, 0, .baseline, table.explanation, split, group, r)
            let values = table.simulate(r.tokens)
            x.simulation = SequenceSimulation(
              expected: values, distributionValues: values.map { [Int($0.rounded())] }, distributionProbabilities: values.map { _ in [1] })
            finished.append(x)
          }
        }
      }
      // Each neuron's valid excerpts simulated from the next neuron's first explanation.
      if neurons.count > 1 {
        let firstText = Dictionary(explanations.entries.compactMap { e in e.text.map { (e.id, $0) } }, uniquingKeysWith: { a, _ in a })
        for (i, id) in neurons.enumerated() {
          // The next neuron (cyclically) that has an explanation.
          let others = (1..<neurons.count).map { neurons[(i + $0) % neurons.count] }
          guard let text = others.lazy.compactMap({ firstText[$0] }).first else { continue }
          let p = position[id]!
          for (group, r) in excerpts(p, "valid") { jobs.append(entry(p, 0, .shuffled, text, "valid", group, r)) }
        }
      }
    }

    // MARK: Run
    let simulator = Simulator(backend: backend, method: method)
    let progress = ctx.reporter.progress(
      "simulate", total: jobs.count, unit: "excerpts", secondary: SecondaryRate(unit: "tokens", factor: Double(set.tokensPerExcerpt)))
    defer { progress.finish() }
    // Consecutive excerpts simulated from the same explanation go together, so a backend that
    // scores several prompts in one batch gets them at once.
    let width = method == .allAtOnce ? max(1, backend.promptBatch) : 1
    var groups: [Range<Int>] = []
    for j in jobs.indices {
      if let last = groups.last, last.count < width, jobs[last.lowerBound].sameExplanation(as: jobs[j]) {
        groups[groups.count - 1] = last.lowerBound..<(j + 1)
      } else {
        groups.append(j..<(j + 1))
      }
    }
    let frozen = jobs, batches = groups
    let results = try ParallelJobs.map(count: batches.count, width: backend.concurrency) { g -> [SequenceSimulation] in
      let members = batches[g]
      let e = frozen[members.lowerBound]
      let which = members.map { "\(frozen[$0].split) excerpt \(frozen[$0].excerpt)" }.joined(separator: ", ")
      let label = "simulate \(e.id) (\(e.kind == .shuffled ? "shuffled" : "sample \(e.sample)"), \(which))"
      let simulations = try RequestLabel.with(label) {
        try simulator.simulate(explanation: e.explanation, excerpts: members.map { frozen[$0].tokens })
      }
      progress.advance(by: members.count)
      return simulations
    }
    for (var e, simulation) in zip(jobs, results.flatMap { $0 }) {
      e.simulation = simulation
      finished.append(e)
    }
    finished.sort {
      ($0.layer, $0.neuron, $0.kind.order, $0.sample, $0.split, $0.excerpt) < (
        $1.layer, $1.neuron, $1.kind.order, $1.sample, $1.split, $1.excerpt
      )
    }
    let totals = session.ledger.snapshot - before
    ctx.reporter.note("simulate: \(backend.identity), \(method.rawValue): \(totals.summary)")
    return .object(
      Simulations(payload: .init(method: method.rawValue, backend: backend.identity.description, entries: finished, ledger: totals)))
  }
}

extension SimulatedExcerpt {
  /// Simulated from the same explanation of the same neuron.
  fileprivate func sameExplanation(as other: SimulatedExcerpt) -> Bool {
    (layer, neuron, sample, kind, explanation) == (other.layer, other.neuron, other.sample, other.kind, other.explanation)
  }
}

extension SimulatedExcerpt.Kind {
  var order: Int {
    switch self {
    case .explanation: return 0
    case .baseline: return 1
    case .shuffled: return 2
    }
  }
}
