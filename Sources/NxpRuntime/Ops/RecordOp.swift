import Foundation
import NxpCore
import NxpInterp
import NxpModels

/// `record(model, texts, layers: [6])`: streams the excerpts through the model in batches and
/// keeps, per neuron, its top excerpts, a random sample, quantile samples and moments. Memory is
/// bounded by what is kept, not by the number of excerpts; progress is checkpointed in the cache
/// so a killed run resumes.
final class RecordOp: Primitive {
  let name = "record"
  let version = 1
  var params: [Param] {
    [
      Param("model", .model, positional: true, doc: "the subject model"),
      Param("excerpts", .excerpts, positional: true, doc: "the token windows to run"),
      Param("layers", .intList, default: .null, doc: "the MLP layers to record (default: all)"),
      Param("top", .int, default: .int(20), doc: "top-activating excerpts kept per neuron"),
      Param("random", .int, default: .int(20), doc: "uniformly random excerpts kept per neuron"),
      Param("perQuantile", .int, default: .int(4), doc: "excerpts kept from each quantile bucket of the per-excerpt maximum"),
      Param("seed", .int, default: .int(0), doc: "seed of the random and quantile samples"),
      Param("batch", .int, default: .int(16), doc: "excerpts per forward pass (memory vs speed; does not change the result)"),
    ]
  }
  let summary = "per-neuron records over excerpts: top and random excerpts with token activations, quantile samples, moments"
  let example = "acts = record(model, texts, layers: [6])"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .records }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let model = try args.object("model", ModelValue.self)
    let excerpts = try args.object("excerpts", Excerpts.self)
    let c = model.configuration
    // A range is checked before it becomes a list: `0..<9223372036854775807` must not be materialized.
    if case .range(let r) = args["layers"], r.lowerBound < 0 || r.upperBound > c.layerCount {
      throw UserError("record: layers \(r.lowerBound)..<\(r.upperBound) are outside 0..<\(c.layerCount) of \(model.name)")
    }
    let layers = args["layers"].isNone ? Array(0..<c.layerCount) : Array(Set(try args.ints("layers"))).sorted()
    guard !layers.isEmpty else { throw UserError("record: `layers:` is empty") }
    for l in layers where l < 0 || l >= c.layerCount {
      throw UserError("record: layer \(l) is outside 0..<\(c.layerCount) of \(model.name)")
    }
    let seed = try args.int("seed")
    guard seed >= 0 else { throw UserError("record: `seed:` must not be negative") }
    let configuration = RecordConfiguration(
      layers: layers, neuronsPerLayer: c.intermediateSize, tokensPerExcerpt: excerpts.tokensPerExcerpt,
      excerptCount: excerpts.count, top: try args.positiveInt("top"), random: try args.nonNegativeInt("random"),
      perQuantile: try args.nonNegativeInt("perQuantile"), seed: UInt64(seed))
    try configuration.validate()
    try configuration.checkMemory()
    // More than every excerpt in one batch changes nothing (and `done + batch` must not overflow).
    let batch = min(try args.positiveInt("batch"), excerpts.count)
    for id in excerpts.ids where id < 0 || Int(id) >= c.vocabularySize {
      throw UserError(
        "record: the excerpts hold token \(id), outside \(model.name)'s vocabulary of \(c.vocabularySize); were they cut with another model?"
      )
    }

    let engine = try model.model()
    let t = excerpts.tokensPerExcerpt
    let resumed = try ctx.checkpoint.load()
    // The capture buffers of one batch, freed after the last one so that finishing (which turns
    // the state into records layer by layer) does not hold them too.
    var output: ForwardOutput? = ForwardOutput()
    let records = try recordNeurons(
      configuration: configuration, batchSize: batch, resumingFrom: resumed?.files,
      policy: CheckpointPolicy(
        seconds: ctx.settings.checkpointSeconds,
        assumedWriteRate: ctx.settings.checkpointSecondsGiven ? nil : CheckpointPolicy.typicalWriteRate),
      makeProgress: {
        ctx.reporter.progress(
          "record", total: $0, unit: "excerpts", resumedFrom: $1, secondary: SecondaryRate(unit: "tokens", factor: Double(t)))
      },
      feed: { range, accumulator in
        let sequences = range.map { Array(excerpts.ids[($0 * t)..<(($0 + 1) * t)]) }
        guard let buffers = output else { throw UserError("record: internal error: batch \(range) after the last one") }
        let out = try engine.forward(sequences, request: ForwardRequest(neuronLayers: layers), into: buffers)
        // The accumulator reads the capture buffers in place; the next forward reuses them.
        var byLayer: [Int: UnsafeBufferPointer<Float>] = [:]
        for l in layers {
          guard let m = out.neurons[l] else { throw UserError("record: the model returned no neurons for layer \(l)") }
          byLayer[l] = UnsafeBufferPointer(start: m.pointer, count: m.rows * m.columns)
        }
        try accumulator.consume(layers: byLayer, excerptIDs: Array(range))
        if range.upperBound == configuration.excerptCount { output = nil }
      },
      saveCheckpoint: { done, accumulator in try ctx.checkpoint.save(step: done) { try accumulator.writeCheckpoint($0) } },
      discardingUnusableCheckpoint: { ctx.reporter.warning("record: discarded the saved progress, recording from the start: \($0)") })
    return .object(Records(records: records, excerpts: excerpts, modelName: model.name))
  }
}
