import Foundation
import NxpCore
import NxpInterp
import NxpModels
import NxpViewer

/// `view(top, scores: s, simulations: sims, explanations: e, to: "viewer")`: writes a static
/// neuron viewer, a folder of HTML pages that opens from disk with no server.
final class ViewOp: Primitive {
  let name = "view"
  let version = 1
  let isSink = true
  let persists = false
  var params: [Param] {
    [
      Param(
        "neurons", .oneOf([.neuronSet, .records]), positional: true,
        doc: "the recorded neurons: a neuron set (topk, neurons) or records (record, with quantile samples); each gets a page"),
      Param("scores", .oneOf([.scores, .null]), default: .null, doc: "what score returned"),
      Param("simulations", .oneOf([.simulations, .null]), default: .null, doc: "what simulate returned"),
      Param("explanations", .oneOf([.explanations, .null]), default: .null, doc: "what explain or explanation returned"),
      Param("related", .oneOf([.related, .null]), default: .null, doc: "what related returned: cards of related neurons, related tokens"),
      Param("ablations", .oneOf([.ablations, .null]), default: .null, doc: "what ablate returned"),
      Param(
        "to", .string, default: .string("viewer"), doc: "the folder to write (relative to the script), replaced if view wrote it before"),
    ]
  }
  let summary =
    "writes a static HTML neuron viewer: an index with a score histogram, and a page per neuron with its explanations, scores and excerpts"
  let example =
    "view(top, scores: score(sims), simulations: sims, explanations: expl, related: related(model, top), to: \"viewer\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .unit }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let written = try args.string("to")
    guard !written.trimmingCharacters(in: .whitespaces).isEmpty else { throw UserError("view: `to:` is empty; name a folder") }
    let site = try ViewOp.site(
      args["neurons"], explanations: args["explanations"].object(Explanations.self),
      simulations: args["simulations"].object(Simulations.self),
      scores: args["scores"].object(Scores.self), related: args["related"].object(Related.self),
      ablations: args["ablations"].object(Ablations.self))
    let path = ctx.plan.resolve(written)
    let index: String
    do {
      index = try site.write(to: path)
    } catch let e as UserError {
      throw UserError("view: \(e.message)")
    }
    ctx.reporter.note(
      "view: \(site.neurons.count) neuron page\(site.neurons.count == 1 ? "" : "s") in \(written); open file://\(index)")
    return .string(index)
  }

  // MARK: - From values to the viewer's model

  /// The viewer's neurons from the records and whatever explained, simulated and scored them.
  /// Explanations, simulations and scores of a neuron that is not among the records are refused.
  static func site(
    _ neurons: Value, explanations: Explanations?, simulations: Simulations?, scores: Scores?, related: Related? = nil,
    ablations: Ablations? = nil
  ) throws -> ViewerSite {
    var recorded: [ViewerNeuron]
    let model: String
    if let set = neurons.object(NeuronSet.self) {
      recorded = set.neurons.indices.map { viewerNeuron(set, at: $0) }
      model = set.modelName
    } else if let records = neurons.object(Records.self) {
      let tokens = records.excerpts.excerptTokens
      recorded = records.records.neuronIDs.map { id in
        let r = records.records.record(of: id, tokens: tokens)
        return ViewerNeuron(
          id: id, stats: r.stats, top: r.mostPositiveActivationRecords.map { ViewerExcerpt(record: $0) },
          quantiles: r.randomSampleByQuantile.map { $0.map { ViewerExcerpt(record: $0) } },
          random: r.randomSample.map { ViewerExcerpt(record: $0) })
      }
      model = records.modelName
    } else {
      throw UserError("view: the first argument should be a neuron set (topk, neurons) or records (record)")
    }
    let known = Set(recorded.map(\.id))
    func check(_ id: NeuronID, _ what: String) throws {
      guard known.contains(id) else {
        throw UserError("view: neuron \(id) has \(what) but is not among the \(known.count) neurons given")
      }
    }

    // Every (neuron, sample) that any input explains, with the text and source it has.
    struct Key: Hashable, Comparable {
      var id: NeuronID
      var sample: Int
      static func < (a: Key, b: Key) -> Bool { (a.id, a.sample) < (b.id, b.sample) }
    }
    var texts: [Key: (text: String?, source: String)] = [:]
    for e in explanations?.entries ?? [] {
      try check(e.id, "an explanation")
      texts[Key(id: e.id, sample: e.sample)] = (e.text, e.source)
    }
    var rows: [Key: ScoreRow] = [:]
    for r in scores?.rows ?? [] {
      try check(r.id, "a score")
      let k = Key(id: r.id, sample: r.sample)
      rows[k] = r
      if texts[k] == nil, r.explanation != nil { texts[k] = (r.explanation, "") }
    }
    var simulated: [Key: [ViewerSimulation]] = [:]
    for s in simulations?.entries ?? [] {
      try check(s.id, "a simulation")
      guard s.kind == .explanation else { continue }
      let k = Key(id: s.id, sample: s.sample)
      simulated[k, default: []].append(
        ViewerSimulation(
          split: s.split, group: s.group, excerpt: s.excerpt, tokens: s.tokens, real: s.trueActivations, simulated: s.simulation.expected,
          failure: s.simulation.failure))
      if texts[k] == nil { texts[k] = (s.explanation, "") }
    }
    // A neuron scored without an explanation (the explainer gave none) keeps its baselines.
    for (k, r) in rows where texts[k] == nil && r.explanation == nil { texts[k] = (nil, "") }

    var byNeuron: [NeuronID: [ViewerExplanation]] = [:]
    for k in texts.keys.sorted() {
      let (text, source) = texts[k]!
      byNeuron[k.id, default: []].append(
        ViewerExplanation(
          sample: k.sample, text: text, source: source, scores: rows[k].map(viewerScores), simulations: simulated[k] ?? []))
    }
    for i in recorded.indices {
      recorded[i].explanations = byNeuron[recorded[i].id] ?? []
      recorded[i].explained = explanations != nil || scores != nil || simulations != nil
      recorded[i].scored = scores != nil
      recorded[i].simulated = simulations != nil
    }
    var relatedByNeuron: [NeuronID: ViewerRelated] = [:]
    for e in related?.entries ?? [] {
      try check(e.id, "related neurons")
      relatedByNeuron[e.id] = viewerRelated(e)
    }
    var ablated: [NeuronID: [ViewerAblation]] = [:]
    for r in ablations?.rows ?? [] {
      try check(r.id, "an ablation")
      ablated[r.id, default: []].append(viewerAblation(r))
    }
    for i in recorded.indices {
      let id = recorded[i].id
      recorded[i].related = relatedByNeuron[id]
      recorded[i].relatedGiven = related != nil
      recorded[i].ablations = (ablated[id] ?? []).sorted { ($0.best ? 0 : 1, $0.sample) < ($1.best ? 0 : 1, $1.sample) }
      recorded[i].ablated = ablations != nil
    }
    return ViewerSite(
      model: model, neurons: recorded, scoredBy: scores.map { "\($0.payload.backend), \($0.payload.method)" },
      relatedThrough: related?.payload.inputProjection,
      ablatedBy: ablations.map { "\($0.payload.backend), \($0.payload.method)" })
  }

  static func viewerRelated(_ e: RelatedEntry) -> ViewerRelated {
    func links(_ r: Ranked<WeightedNeuron>?) -> ViewerSigned<ViewerLink>? {
      r.map { r in
        let link = { (n: WeightedNeuron) in ViewerLink(id: NeuronID(layer: n.layer, index: n.neuron), weight: n.weight, up: n.up) }
        return ViewerSigned(positive: r.positive.map(link), negative: r.negative.map(link))
      }
    }
    func tokens(_ r: Ranked<RelatedToken>) -> ViewerSigned<ViewerToken> {
      let token = { (t: RelatedToken) in ViewerToken(token: t.token, value: Double(t.strength), up: t.up) }
      return ViewerSigned(positive: r.positive.map(token), negative: r.negative.map(token))
    }
    return ViewerRelated(
      upstream: links(e.upstream), downstream: links(e.downstream), inputTokens: tokens(e.inputTokens),
      outputTokens: tokens(e.outputTokens),
      activationTokens: e.activationTokens?.map { ViewerToken(token: $0.token, value: $0.meanActivation) })
  }

  static func viewerAblation(_ r: AblationRow) -> ViewerAblation {
    ViewerAblation(
      sample: r.sample, score: r.score, jsdSimulated: r.jsdSimulated, jsdMean: r.jsdMean, jsdZero: r.jsdZero, mean: r.mean,
      positions: r.positions, failures: r.failures, best: r.best, undefined: r.undefined?.rawValue)
  }

  static func viewerScores(_ r: ScoreRow) -> ViewerScores {
    ViewerScores(
      score: r.score, top: r.top, random: r.random, test: r.test, rSquared: r.rSquared,
      absoluteDeviationExplained: r.absoluteDeviationExplained,
      baseline: r.baseline, shuffled: r.shuffled, excerpts: r.excerpts, failures: r.failures, best: r.best)
  }

  /// A neuron of a set: its top records in rank order and its random records in the order they
  /// were drawn, each labelled with the split it went to.
  static func viewerNeuron(_ set: NeuronSet, at position: Int) -> ViewerNeuron {
    let s = set.splits(at: position)
    let parts = [s.train, s.calibration, s.valid, s.test]
    let topCounts = (0..<4).map { set.topCount(at: position, split: $0) }
    var top: [ViewerExcerpt] = []
    for rank in 0..<topCounts.reduce(0, +) {
      top.append(ViewerExcerpt(record: parts[rank % 4][rank / 4], split: NeuronSet.splitNames[rank % 4]))
    }
    let randomParts = (1..<4).map { Array(parts[$0].dropFirst(topCounts[$0])) }
    var random: [ViewerExcerpt] = []
    for rank in 0..<randomParts.map(\.count).reduce(0, +) {
      random.append(ViewerExcerpt(record: randomParts[rank % 3][rank / 3], split: NeuronSet.splitNames[1 + rank % 3]))
    }
    return ViewerNeuron(id: s.id, stats: s.stats, top: top, quantiles: nil, random: random)
  }
}
