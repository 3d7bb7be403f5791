import Foundation

/// Picks the next token from logits: the most likely one at temperature 0, otherwise a seeded
/// draw from softmax(logits / temperature), optionally restricted to the top k.
public struct TokenSampler: Sendable {
  /// 0 or less: greedy.
  public var temperature: Float
  /// Sample only among the k largest logits.
  public var topK: Int?
  private var rng: SeededGenerator

  public init(temperature: Float, topK: Int? = nil, seed: UInt64) {
    self.temperature = temperature
    self.topK = topK
    rng = SeededGenerator(seed: seed)
  }

  /// The next token for `logits` (`[V]`).
  public mutating func pick(_ logits: [Float]) -> Int32 {
    guard !logits.isEmpty else { return 0 }
    if temperature <= 0 { return Int32(TokenSampler.argmax(logits)) }
    var candidates = Array(logits.indices)
    if let k = topK, k > 0, k < logits.count {
      candidates.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
      candidates.removeLast(candidates.count - k)
    }
    let m = candidates.map { logits[$0] }.max() ?? 0
    let weights = candidates.map { exp(Double(logits[$0] - m) / Double(temperature)) }
    let total = weights.reduce(0, +)
    var u = Double.random(in: 0..<1, using: &rng) * total
    for (i, w) in weights.enumerated() {
      u -= w
      if u < 0 { return Int32(candidates[i]) }
    }
    return Int32(candidates[candidates.count - 1])
  }

  /// Index of the largest value (the first on ties).
  public static func argmax(_ x: [Float]) -> Int {
    var best = 0
    for i in x.indices where x[i] > x[best] { best = i }
    return best
  }
}
