import Foundation

/// Uniform samples of the excerpts in each quantile bucket of a neuron's per-excerpt maximum,
/// kept in memory that does not depend on the number of excerpts N.
///
/// The wanted sample of bucket b is its Q members with the smallest quantile key (`ExcerptHash`),
/// a uniform sample without replacement. Bucket edges are only known at the end, so each bucket
/// keeps a set of at most C = 4Q candidates defined as
///
///     S_b = { excerpts seen with key < threshold_b and low_b < valueKey < high_b }
///
/// The threshold starts at a fraction 3Q / (p_b N) of the key range (p_b is the bucket's width in
/// levels, so about 3Q of its members pass), and the value window starts unbounded. When S_b would
/// exceed C, one candidate leaves and the definition tightens so that it stays true: if the
/// lowest or highest candidate lies, by the sketch's current estimate of its level, more than
/// p_b / 8 outside the bucket's levels, the window closes above or below it; otherwise the
/// threshold drops to the largest candidate key. "Lies outside" is judged for the candidate's
/// whole sketch bin, so values tied with, or close to, a bucket edge are not cut off. Thresholds
/// only fall and windows only shrink, so S_b is always exactly the set above.
///
/// At the end, with the final boundaries [q_b, q_b+1), the members of S_b inside the bucket are
/// exactly the bucket's members with key < threshold_b as long as the window still covers the
/// bucket, and their Q smallest keys are the exact wanted sample if there are at least Q of them
/// (or if the threshold is still the whole key range, so every member passed). Such buckets are
/// reported as exact (`LayerRecords.quantileExact`). Otherwise the sample is filled from the other
/// buckets' candidates that fall in the bucket, smallest keys first: still bucket members, but no
/// longer exactly uniform. That happens when the stream is ordered so that an early estimate
/// closed a window inside the final bucket (2 of 80 buckets on a strongly drifting test corpus),
/// or when many maxima tie exactly at values that straddle a bucket edge (maxima on a coarse
/// grid); on stationary continuous data every bucket is exact.
enum QuantileSampling {
  /// C = capacityFactor * Q candidates per bucket.
  static let capacityFactor = 4
  /// Expected number of a bucket's members below the initial threshold, in units of Q.
  static let oversampling = 3.0
  /// Slack, as a fraction of the bucket's level width, before a window closes on a candidate.
  static let marginFraction = 0.125

  static func initialThreshold(bucketFraction p: Double, perQuantile q: Int, excerptCount n: Int) -> UInt64 {
    let f = oversampling * Double(q) / (p * Double(n))
    guard f < 0.999_999 else { return .max }
    return UInt64(f * 0x1p64)
  }

  /// The candidate set of one (neuron, bucket).
  struct Reservoir {
    let keys: UnsafeMutablePointer<UInt64>
    let values: UnsafeMutablePointer<UInt64>
    let acts: UnsafeMutablePointer<Float>
    let count: UnsafeMutablePointer<Int32>
    let threshold: UnsafeMutablePointer<UInt64>
    let low: UnsafeMutablePointer<UInt64>
    let high: UnsafeMutablePointer<UInt64>
    let capacity: Int
    let tokens: Int

    @inline(__always)
    func admits(key: UInt64, value: UInt64) -> Bool {
      key < threshold.pointee && value > low.pointee && value < high.pointee
    }

    /// Adds an admitted excerpt whose activations are `source[t * stride]`, evicting one
    /// candidate when full. `lowerLevel`/`upperLevel` are the bucket's levels and `sketch` the
    /// neuron's sketch, which already counts this excerpt.
    func add(
      key: UInt64, value: UInt64, source: UnsafePointer<Float>, stride: Int,
      lowerLevel: Double, upperLevel: Double, sketch: MaxSketch, seen: Int
    ) {
      let c = Int(count.pointee)
      if c < capacity {
        store(slot: c, key: key, value: value, source: source, stride: stride)
        count.pointee = Int32(c + 1)
        return
      }
      // Candidates 0..<c are stored; index c stands for the new excerpt.
      var minV = c
      var maxV = c
      var maxK = c
      var minValue = value
      var maxValue = value
      var maxKey = key
      for s in 0..<c {
        let v = values[s]
        if v < minValue {
          minValue = v
          minV = s
        }
        if v > maxValue {
          maxValue = v
          maxV = s
        }
        if keys[s] > maxKey {
          maxKey = keys[s]
          maxK = s
        }
      }
      let margin = (upperLevel - lowerLevel) * QuantileSampling.marginFraction
      // How far the whole sketch bin of the lowest (highest) candidate lies below (above) the
      // bucket's levels, so a candidate is never cut off while its bin reaches into the bucket.
      let below = lowerLevel - sketch.levels(of: ValueKey.value(of: minValue), count: seen).high
      let above = sketch.levels(of: ValueKey.value(of: maxValue), count: seen).low - upperLevel
      let evicted: Int
      if max(below, above) > margin {
        if below >= above {
          evicted = minV
          low.pointee = minValue
        } else {
          evicted = maxV
          high.pointee = maxValue
        }
      } else {
        evicted = maxK
        threshold.pointee = maxKey
      }
      if evicted != c { store(slot: evicted, key: key, value: value, source: source, stride: stride) }
    }

    @inline(__always)
    private func store(slot s: Int, key: UInt64, value: UInt64, source: UnsafePointer<Float>, stride: Int) {
      keys[s] = key
      values[s] = value
      RecordKernel.copyColumn(source, stride: stride, to: acts + s * tokens, count: tokens)
    }
  }
}
