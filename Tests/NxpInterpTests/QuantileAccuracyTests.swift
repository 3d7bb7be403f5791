import Foundation
import NxpInterp
import Testing

/// How close the sketch's quantile boundaries come to the exact quantiles on a larger corpus
/// than the reference test's, measured both in value and in rank.
@Suite struct QuantileAccuracyTests {
  /// numpy's default (linear) quantile of sorted values.
  static func exactQuantile(_ sorted: [Float], _ p: Double) -> (value: Double, lo: Double, hi: Double) {
    let r = p * Double(sorted.count - 1)
    let i = Int(r.rounded(.down))
    let frac = r - Double(i)
    let lo = Double(sorted[i])
    let hi = Double(sorted[min(i + 1, sorted.count - 1)])
    return (lo + frac * (hi - lo), lo, frac > 0 ? hi : lo)
  }

  @Test func boundariesAreWithinTheBoundAndCloseInRank() throws {
    let n = 20_000
    let t = 4
    let neurons = 12
    let data = SyntheticActivations(layers: [0], excerpts: n, tokens: t, neurons: neurons, seed: 11)
    let c = RecordConfiguration(
      layers: [0], neuronsPerLayer: neurons, tokensPerExcerpt: t, excerptCount: n, top: 4, random: 0)
    let acc = try RecordAccumulator(c)
    for start in stride(from: 0, to: n, by: 500) {
      try acc.consume(data.batch(start..<(start + 500)), excerptIDs: Array(start..<(start + 500)))
    }
    let l = acc.finish().layers[0]
    let levels = c.quantileLevels
    let gamma = exp(0.04)
    var worstRank = 0.0
    var worstValue = 0.0
    for j in 0..<neurons {
      let maxima = (0..<n).map { data.maximum(0, excerpt: $0, neuron: j) }.sorted()
      for (b, p) in levels.enumerated() {
        let estimate = l.quantileBoundaries[j * levels.count + b]
        let exact = Self.exactQuantile(maxima, p)
        let bound = (gamma - 1) * max(abs(exact.lo), abs(exact.hi)) + 2 * 0x1p-20 + 1e-6 * abs(exact.value)
        #expect(abs(Double(estimate) - exact.value) <= bound, "neuron \(j) level \(p)")
        // Rank error: the share of maxima below the estimate against the level asked for.
        let below = maxima.partitioningIndex { $0 >= estimate }
        let atOrBelow = maxima.partitioningIndex { $0 > estimate }
        let share = (Double(below) + Double(atOrBelow)) / 2 / Double(n)
        if j % 6 != 2 { worstRank = max(worstRank, abs(share - p)) }  // tied grid values have no exact rank
        worstValue = max(worstValue, abs(Double(estimate) - exact.value) / max(abs(exact.value), 1e-3))
      }
    }
    print(
      String(
        format: "quantile boundaries on %d excerpts: worst relative value error %.4f, worst rank error %.5f", n,
        worstValue, worstRank))
    #expect(worstRank < 0.002)
  }
}

extension Array {
  /// The first index whose element satisfies `belongsInSecondPartition` (elements are assumed
  /// partitioned: all that fail come first).
  func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
    var lo = 0
    var hi = count
    while lo < hi {
      let mid = (lo + hi) / 2
      if belongsInSecondPartition(self[mid]) { hi = mid } else { lo = mid + 1 }
    }
    return lo
  }
}
