import Foundation
import NxpCore
import NxpInterp

/// `topk(acts, k: 20, random: 20)`: each neuron's records split for explaining and scoring.
final class TopKOp: Primitive {
  let name = "topk"
  let version = 1
  var params: [Param] {
    [
      Param("records", .records, positional: true, doc: "what record produced"),
      Param("k", .int, default: .int(20), doc: "top excerpts per neuron, dealt into train, calibration, valid and test"),
      Param("random", .int, default: .int(20), doc: "random excerpts per neuron, dealt into calibration, valid and test"),
      Param("perSplit", .oneOf([.int, .null]), default: .null, doc: "records per split (default: min(k/4, random/3), 5 for 20/20)"),
      Param("layer", .oneOf([.int, .null]), default: .null, doc: "only this layer's neurons"),
    ]
  }
  let summary = "per-neuron activation records split as neuron-explainer does: train (top only); calibration, valid, test (top + random)"
  let example = "top = topk(acts, k: 20, random: 20) |> neurons(layer: 6, first: 10)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .neuronSet }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let records = try args.object("records", Records.self)
    let c = records.records.configuration
    let k = try args.int("k"), random = try args.int("random"), perSplit = try args.optionalInt("perSplit")
    try TopKOp.checkAgainstKept(k: k, random: random, perSplit: perSplit, c)
    let options = try SplitOptions(k: k, random: random, perSplit: perSplit, keptTop: c.top, keptRandom: c.random)
    var ids = records.records.neuronIDs
    if let layer = try args.optionalInt("layer") {
      guard c.layers.contains(layer) else {
        throw UserError("topk: layer \(layer) was not recorded (layers \(Records.describe(c.layers)))")
      }
      ids = ids.filter { $0.layer == layer }
    }
    return .object(NeuronSet(records: records, options: options, neurons: ids))
  }
}

extension TopKOp {
  /// Asking for more than the records keep is answered with what is possible now (a smaller `k:`
  /// or `random:`) and what recording more would cost, never with an impossible suggestion.
  static func checkAgainstKept(k: Int, random: Int, perSplit: Int?, _ c: RecordConfiguration) throws {
    func cost(_ what: String, _ kept: Int, _ wanted: Int) -> String {
      var more = c
      if what == "top" { more.top = wanted } else { more.random = wanted }
      guard wanted > kept, let bytes = more.checkedStateBytes, let have = c.checkedStateBytes else {
        return "recording \(what): \(wanted) would not fit in any machine's memory"
      }
      let physical = ProcessInfo.processInfo.physicalMemory
      let fits = UInt64(bytes) <= physical ? "" : ", more than this machine's \(RecordConfiguration.byteSize(Double(physical)))"
      return
        "recording \(what): \(wanted) would need \(RecordConfiguration.byteSize(Double(bytes))) of state instead of \(RecordConfiguration.byteSize(Double(have)))\(fits)"
    }
    if k > c.top {
      throw UserError(
        "topk: k is \(k) but the records keep only \(c.top) top excerpts per neuron; use k: \(c.top) or less (\(cost("top", c.top, k)))")
    }
    if random > c.random {
      throw UserError(
        "topk: random is \(random) but the records keep only \(c.random) random excerpts per neuron; use random: \(c.random) or less (\(cost("random", c.random, random)))"
      )
    }
    if let perSplit, k >= 4, perSplit > k / 4 {
      throw UserError(
        "topk: perSplit \(perSplit) needs more top records than k: \(k) gives 4 splits; use perSplit: \(max(1, k / 4)) or less")
    }
  }
}

/// `neurons(top, layer: 6, first: 10)`: a subset of a neuron set.
final class NeuronsOp: Primitive {
  let name = "neurons"
  let version = 1
  var params: [Param] {
    [
      Param("set", .neuronSet, positional: true, doc: "the neurons to choose from"),
      Param("layer", .oneOf([.int, .null]), default: .null, doc: "only this layer"),
      Param("indices", .oneOf([.list(.int), .null]), default: .null, doc: "only these unit indices, in this order"),
      Param("range", .oneOf([.range, .null]), default: .null, doc: "only unit indices in this range"),
      Param("first", .oneOf([.int, .null]), default: .null, doc: "the first n of what remains"),
      Param("random", .oneOf([.int, .null]), default: .null, doc: "n of what remains, drawn uniformly with `seed`"),
      Param("seed", .int, default: .int(0), doc: "seed of the random draw"),
    ]
  }
  let summary = "neurons chosen by layer, index list, range, the first n, or n at random with a seed"
  let example = "show top |> neurons(layer: 6, random: 5, seed: 1)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .neuronSet }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let set = try args.object("set", NeuronSet.self)
    var range: Range<Int>?
    if case .range(let r) = args["range"] { range = r }
    let seed = try args.int("seed")
    guard seed >= 0 else { throw UserError("neurons: seed must not be negative, got \(seed)") }
    let selection = NeuronSelection(
      layer: try args.optionalInt("layer"), indices: args["indices"].isNone ? nil : try args.ints("indices"), range: range,
      first: try args.optionalInt("first"), random: try args.optionalInt("random"), seed: UInt64(seed))
    let chosen = try selection.apply(to: set.neurons, neuronsPerLayer: set.neuronsPerLayer)
    let position = Dictionary(uniqueKeysWithValues: set.neurons.enumerated().map { ($1, $0) })
    return .object(set.subset(chosen.map { position[$0]! }))
  }
}
