import Foundation
import NxpModels
import NxpTensor

/// `TransformerModel.ablate` as `ablate` uses it, on random excerpts: each neuron gets three
/// copies of each of its excerpts (its simulation, its mean, zero), run from the residual stream
/// entering its layer or from the embedding. Also the cost of the divergence of one row.
struct AblationBenchmark {
  var model: TransformerModel
  var layer: Int
  var neurons: Int
  var excerptsPerNeuron: Int
  var tokens = 64

  struct Result {
    var secondsPerNeuron: Double
    var rows: Int
    var passes: Int
  }

  func run(reuseResidual: Bool) throws -> Result {
    let c = model.configuration
    var rng = SeededGenerator(seed: 7)
    let excerpts = (0..<(neurons * excerptsPerNeuron)).map { _ in
      (0..<tokens).map { _ in Int32.random(in: 0..<Int32(c.vocabularySize), using: &rng) }
    }
    var replacements: [NeuronReplacement] = []
    for n in 0..<neurons {
      let neuron = (n * 389 + 17) % c.intermediateSize
      for e in (n * excerptsPerNeuron)..<((n + 1) * excerptsPerNeuron) {
        let simulated = (0..<tokens).map { _ in Float.random(in: 0..<2, using: &rng) }
        replacements += [
          NeuronReplacement(excerpt: e, neuron: neuron, values: simulated), NeuronReplacement(excerpt: e, neuron: neuron, values: [0.05]),
          NeuronReplacement(excerpt: e, neuron: neuron, values: [0]),
        ]
      }
    }
    let start = Date()
    let result = try model.ablate(
      layer: layer, excerpts: excerpts, replacements: replacements, options: AblationOptions(reuseResidual: reuseResidual))
    return Result(secondsPerNeuron: Date().timeIntervalSince(start) / Double(neurons), rows: result.rows, passes: result.passes)
  }

  /// Milliseconds for the Jensen-Shannon divergence of one row of the vocabulary.
  func divergenceMilliseconds(rows: Int = 64) -> Double {
    let V = model.configuration.vocabularySize
    var rng = SeededGenerator(seed: 8)
    let p = FloatMatrix(rows: rows, columns: V, values: (0..<(rows * V)).map { _ in Float.random(in: -20..<0, using: &rng) })
    let q = FloatMatrix(rows: rows, columns: V, values: (0..<(rows * V)).map { _ in Float.random(in: -20..<0, using: &rng) })
    let start = Date()
    var total = 0.0
    for r in 0..<rows { total += Divergence.jensenShannon(logP: p.pointer + r * V, logQ: q.pointer + r * V, count: V) }
    let seconds = Date().timeIntervalSince(start)
    precondition(total.isFinite)
    return 1000 * seconds / Double(rows)
  }
}
