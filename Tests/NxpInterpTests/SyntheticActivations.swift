import Foundation
import NxpCore

/// Test data draws from SplitMix64 (NxpCore); a standard normal on top of it.
extension SplitMix64 {
  /// Standard normal (Box-Muller).
  mutating func normal() -> Double {
    let u = max(uniform(), 0x1p-60)
    let v = uniform()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}

/// Activations of several layers over N excerpts of T tokens, laid out as the accumulator wants
/// them: per layer a row-major [N*T x neurons] matrix.
///
/// Neurons come in six kinds so the tests see the shapes real MLPs produce: GELU of a normal,
/// sparse spikes, values on a 0.5 grid (tied maxima), all negative, maxima crossing zero, and a
/// heavy log-normal tail. Each excerpt also gets a per-neuron offset, as context would give.
struct SyntheticActivations {
  let layers: [Int]
  let excerpts: Int
  let tokens: Int
  let neurons: Int
  /// One matrix per layer, in `layers` order.
  let data: [[Float]]

  /// With `drift`, every neuron's level rises steadily over the excerpts (a corpus whose later
  /// documents differ from its first ones), so early quantile estimates are biased.
  init(layers: [Int], excerpts: Int, tokens: Int, neurons: Int, seed: UInt64, drift: Double = 0) {
    self.layers = layers
    self.excerpts = excerpts
    self.tokens = tokens
    self.neurons = neurons
    var rng = SplitMix64(seed: seed)
    var all: [[Float]] = []
    for _ in layers {
      var m = [Float](repeating: 0, count: excerpts * tokens * neurons)
      for e in 0..<excerpts {
        for j in 0..<neurons {
          let offset = 0.4 * rng.normal() + drift * Double(e) / Double(excerpts)
          for t in 0..<tokens {
            m[(e * tokens + t) * neurons + j] = Float(SyntheticActivations.sample(kind: j % 6, offset: offset, &rng))
          }
        }
      }
      all.append(m)
    }
    data = all
  }

  static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

  static func sample(kind: Int, offset: Double, _ rng: inout SplitMix64) -> Double {
    let z = rng.normal()
    switch kind {
    case 0: return gelu(z + offset - 0.5)
    case 1: return rng.uniform() < 0.02 ? 5 * -log(max(rng.uniform(), 1e-12)) : 0.05 * z
    case 2: return ((z + offset) * 2).rounded() / 2
    case 3: return -abs(z) * 0.3 - 0.01 + 0.05 * offset
    case 4: return 0.1 * z - 0.25 + 0.1 * offset
    default: return exp(1.5 * z + offset) - 1
    }
  }

  /// The rows of excerpts `range` of layer slot `li`.
  func batch(_ li: Int, _ range: Range<Int>) -> [Float] {
    Array(data[li][(range.lowerBound * tokens * neurons)..<(range.upperBound * tokens * neurons)])
  }

  /// Every configured layer's rows of excerpts `range`, keyed by layer.
  func batch(_ range: Range<Int>) -> [Int: [Float]] {
    Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1, batch($0, range)) })
  }

  func activation(_ li: Int, excerpt e: Int, token t: Int, neuron j: Int) -> Float {
    data[li][(e * tokens + t) * neurons + j]
  }

  func activations(_ li: Int, excerpt e: Int, neuron j: Int) -> [Float] {
    (0..<tokens).map { activation(li, excerpt: e, token: $0, neuron: j) }
  }

  func maximum(_ li: Int, excerpt e: Int, neuron j: Int) -> Float { activations(li, excerpt: e, neuron: j).max()! }

  /// Raw little-endian float32 [layers, N, T, neurons], the reference script's input.
  func writeRaw(to path: String) throws {
    var bytes = Data()
    for m in data { m.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    try bytes.write(to: URL(fileURLWithPath: path))
  }
}
