import Foundation

// Divergences between discrete distributions given as log-probabilities (log-softmax rows).

/// Divergences between two distributions over the same outcomes.
public enum Divergence {
  /// The Jensen-Shannon divergence in nats, `½ KL(P‖M) + ½ KL(Q‖M)` with `M = (P + Q) / 2`,
  /// between the distributions whose log-probabilities are `logP[0..<n]` and `logQ[0..<n]`.
  ///
  /// Each outcome adds `½ Σ p log(2p / (p + q)) + q log(2q / (p + q))`, which is never negative.
  /// Written with the larger probability `b = e^max(lp, lq)` and `r = e^-|lp - lq|` it is
  /// `½ b ((1 + r)(log 2 - log(1 + r)) + r log r)`, computed in double: nearly equal
  /// distributions (the case that matters for ablation) lose only relative precision
  /// `1e-16 / |lp - lq|`, where the plain formula would lose everything to cancellation.
  public static func jensenShannon(logP: UnsafePointer<Float>, logQ: UnsafePointer<Float>, count n: Int) -> Double {
    let log2 = M_LN2
    var sum = 0.0
    for i in 0..<n {
      let a = Double(logP[i]), b = Double(logQ[i])
      if a == b { continue }
      let delta = -abs(a - b)
      let r = exp(delta)
      // r = 0: one side has probability 0 and adds b log 2.
      let h = r > 0 ? (1 + r) * (log2 - log1p(r)) + r * delta : log2
      if h > 0 { sum += exp(max(a, b)) * h }
    }
    return sum / 2
  }
}
