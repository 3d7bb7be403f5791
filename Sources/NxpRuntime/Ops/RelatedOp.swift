import Foundation
import NxpCore
import NxpInterp
import NxpModels

/// `related(model, 6:123)`, `related(model, [6:1, 6:2], top: 5)`, `related(model, chosen)`,
/// `related(model, layer: 6)`: the neuron viewer's related neurons and tokens. Upstream and
/// downstream neurons and input and output tokens come from the weights (see
/// `WeightRelations` for the definition, and why SwiGLU ranks by the gate); given a neuron set,
/// its records add the tokens with the highest mean activation.
final class RelatedOp: Primitive {
  let name = "related"
  let version = 1
  var params: [Param] {
    [
      Param("model", .model, positional: true, doc: "the subject model whose weights connect the neurons"),
      Param(
        "neurons", .oneOf([.neuron, .list(.neuron), .neuronSet, .null]), default: .null, positional: true,
        doc: "a neuron (6:123), a list of them, or a neuron set (whose records add activation tokens)"),
      Param("layer", .oneOf([.int, .null]), default: .null, doc: "every neuron of this layer, when `neurons` is not given"),
      Param("top", .int, default: .int(10), doc: "related neurons kept per direction and sign"),
      Param("tokens", .int, default: .int(20), doc: "related tokens kept per list"),
    ]
  }
  let summary =
    "weight-based upstream and downstream neurons, input and output tokens (and, from a neuron set's records, tokens by mean activation)"
  let example = "show related(model, 6:123, top: 10)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .related }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let model = try args.object("model", ModelValue.self)
    let c = model.configuration
    let top = try args.positiveInt("top"), tokenCount = try args.positiveInt("tokens")
    let (ids, set) = try RelatedOp.neurons(args, c, modelName: model.name)

    var seen = Set<NeuronID>()
    for id in ids {
      guard id.layer >= 0 && id.layer < c.layerCount else {
        throw UserError("related: neuron \(id) is in layer \(id.layer), but \(model.name) has layers 0..<\(c.layerCount)")
      }
      guard id.index >= 0 && id.index < c.intermediateSize else {
        throw UserError(
          "related: neuron \(id) does not exist: \(model.name)'s layers have \(c.intermediateSize) neurons (0..<\(c.intermediateSize))")
      }
      guard seen.insert(id).inserted else { throw UserError("related: neuron \(id) is listed twice") }
    }

    let engine = try model.model()
    // Without a tokenizer (a weights-only checkpoint) tokens are shown by id, as `<id>`.
    let tokenizer = try model.tokenizerIfPresent()
    let byLayer = Dictionary(grouping: ids, by: \.layer)
    let layers = byLayer.keys.sorted()
    let progress = ctx.reporter.progress(
      "related", total: layers.reduce(0) { $0 + engine.steps(layer: $1, neurons: byLayer[$1]!.count) }, unit: "products")
    defer { progress.finish() }
    var found: [NeuronID: WeightRelations] = [:]
    for layer in layers {
      let relations = try engine.weightRelations(
        layer: layer, neurons: byLayer[layer]!.map(\.index), top: top, tokens: tokenCount, step: { _ in progress.advance(by: 1) })
      for r in relations { found[NeuronID(layer: r.layer, index: r.neuron)] = r }
    }

    func listed(_ r: Ranked<WeightedToken>) -> Ranked<RelatedToken> {
      func item(_ t: WeightedToken) -> RelatedToken {
        RelatedToken(id: t.token, token: tokenizer?.tokenText(t.token) ?? "<\(t.token)>", strength: t.strength, up: t.up)
      }
      return Ranked(positive: r.positive.map(item), negative: r.negative.map(item))
    }
    let entries = ids.enumerated().map { position, id -> RelatedEntry in
      let r = found[id]!
      var activation: [ActivationToken]?
      if let set {
        // Every record the set holds for the neuron: train, calibration, valid and test.
        let s = set.splits(at: position)
        let baseline = TokenBaseline(records: s.train + s.calibration + s.valid + s.test, count: tokenCount)
        activation = zip(baseline.tokens, baseline.meanActivations).map { ActivationToken(token: $0, meanActivation: $1) }
      }
      return RelatedEntry(
        layer: id.layer, neuron: id.index, upstream: r.upstream, downstream: r.downstream, inputTokens: listed(r.inputTokens),
        outputTokens: listed(r.outputTokens), activationTokens: activation)
    }
    return .object(
      Related(
        payload: .init(
          model: model.name, inputProjection: engine.hasUpProjection ? "gate" : "c_fc", top: top, tokens: tokenCount, neurons: entries)))
  }

  /// The neurons asked for, in order, and the neuron set when one was given (its positions match).
  static func neurons(_ args: Arguments, _ c: ModelConfiguration, modelName: String) throws -> ([NeuronID], NeuronSet?) {
    let layer = try args.optionalInt("layer")
    switch args["neurons"] {
    case .null:
      guard let layer else { throw UserError("related: give the neurons (6:123, a list, a neuron set) or `layer:`") }
      guard layer >= 0 && layer < c.layerCount else {
        throw UserError("related: layer \(layer) is outside 0..<\(c.layerCount) of \(modelName)")
      }
      return ((0..<c.intermediateSize).map { NeuronID(layer: layer, index: $0) }, nil)
    case _ where layer != nil:
      throw UserError("related: give either neurons or `layer:`, not both")
    case .neuron(let n): return ([n], nil)
    case .list(let items):
      let ids = try items.map { v -> NeuronID in
        guard case .neuron(let n) = v else { throw UserError("related: expected neurons such as 6:123, got \(v)") }
        return n
      }
      guard !ids.isEmpty else { throw UserError("related: the list of neurons is empty") }
      return (ids, nil)
    case .object(let set as NeuronSet):
      // Sets cached before the count was kept say 0.
      guard set.neuronsPerLayer == 0 || set.neuronsPerLayer == c.intermediateSize else {
        throw UserError(
          "related: the neuron set comes from a model with \(set.neuronsPerLayer) neurons per layer (\(set.modelName)); \(modelName) has \(c.intermediateSize)"
        )
      }
      guard !set.neurons.isEmpty else { throw UserError("related: the neuron set is empty") }
      return (set.neurons, set)
    default:
      throw UserError("related: `neurons` should be a neuron such as 6:123, a list of them or a neuron set")
    }
  }
}
