import Foundation
import NxpModels

/// Weight-based related neurons on the default model: one full layer pair (every neuron of one
/// layer against every neuron of the next, gate and up: one sgemm), and every relation of a whole
/// layer (all 29 other layers, and the input and output tokens).
enum RelatedBenchmark {
  struct Result {
    var pairSeconds: Double
    var pairGFLOPs: Double
    var layerSeconds: Double
  }

  static func run(model: TransformerModel, layer: Int = 14, repeats: Int = 5) throws -> Result {
    let c = model.configuration
    var best = Double.infinity
    for _ in 0..<repeats {
      let start = Date()
      _ = try model.connections(from: layer, to: layer + 1)
      best = min(best, Date().timeIntervalSince(start))
    }
    let flops = 2 * Double(c.intermediateSize) * Double(c.mlpInputWidth) * Double(c.hiddenSize)
    let start = Date()
    _ = try model.weightRelations(layer: layer, neurons: Array(0..<c.intermediateSize), top: 10, tokens: 20)
    return Result(pairSeconds: best, pairGFLOPs: flops / best / 1e9, layerSeconds: Date().timeIntervalSince(start))
  }
}
