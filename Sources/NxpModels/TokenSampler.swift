import Foundation

/// Picks the next token from logits: the most likely one at temperature 0, otherwise a seeded
/// draw from softmax(logits / temperature), optionally restricted to the top k.
public struct TokenSampler: Sendable {
  /// 0 or less: greedy.
  public var temperature: Float
  /// Sample only among the k largest logits.
  public var topK: Int?
  /// Nucleus sampling: only among the most likely tokens whose probabilities add up to p.
  public var topP: Float?
  private var rng: SeededGenerator

  public init(temperature: Float, topK: Int? = nil, topP: Float? = nil, seed: UInt64) {
    self.temperature = temperature
    self.topK = topK
    self.topP = topP
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
    var weights = candidates.map { exp(Double(logits[$0] - m) / Double(temperature)) }
    if let p = topP, p > 0, p < 1 {
      // Keep the most likely tokens until their share reaches p (always at least one).
      let order = weights.indices.sorted { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
      let all = weights.reduce(0, +)
      var kept = 0.0
      var keep = Set<Int>()
      for i in order {
        keep.insert(i)
        kept += weights[i]
        if kept >= Double(p) * all { break }
      }
      candidates = order.filter { keep.contains($0) }.map { candidates[$0] }
      weights = order.filter { keep.contains($0) }.map { weights[$0] }
    }
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
