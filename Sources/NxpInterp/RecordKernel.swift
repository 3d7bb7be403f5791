import Foundation

/// The hot loop: one layer's batch over one range of neurons.
///
/// For each excerpt, two passes over its T token rows restricted to the neuron range (contiguous
/// within each row, so they vectorise and stay in cache) give every neuron's maximum and the
/// excerpt's central moments; then each neuron updates its top slots only if the maximum beats
/// its current K-th, its random slots only if its key beats the current R-th, its sketch, and its
/// quantile candidates only if the key passes a bucket's threshold.
enum RecordKernel {
  static func process(
    state s: LayerState, neurons range: Range<Int>, matrix: UnsafePointer<Float>, excerptIDs: [Int],
    levels: [Double], perQuantile: Int
  ) {
    let n = s.neurons, tCount = s.tokens, w = range.count, j0 = range.lowerBound
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 5 * w)
    defer { scratch.deallocate() }
    let maxima = UnsafeMutablePointer<Float>.allocate(capacity: w)
    defer { maxima.deallocate() }
    let sum = scratch, s2 = scratch + w, s3 = scratch + 2 * w, s4 = scratch + 3 * w, localMean = scratch + 4 * w
    let rowCount = Double(tCount)

    for (b, e) in excerptIDs.enumerated() {
      let rows = matrix + b * tCount * n + j0

      // MARK: Pass 1: maxima and sums
      for j in 0..<w {
        let v = rows[j]
        maxima[j] = v
        sum[j] = Double(v)
      }
      for t in 1..<max(tCount, 1) {
        let row = rows + t * n
        for j in 0..<w {
          let v = row[j]
          maxima[j] = v > maxima[j] ? v : maxima[j]
          sum[j] += Double(v)
        }
      }

      // MARK: Pass 2: central power sums around the excerpt's own mean
      for j in 0..<w {
        localMean[j] = sum[j] / rowCount
        s2[j] = 0
        s3[j] = 0
        s4[j] = 0
      }
      for t in 0..<tCount {
        let row = rows + t * n
        for j in 0..<w {
          let d = Double(row[j]) - localMean[j]
          let d2 = d * d
          s2[j] += d2
          s3[j] += d2 * d
          s4[j] += d2 * d2
        }
      }

      // MARK: Per-neuron updates
      let seenBefore = s.consumed + b
      let na = Double(seenBefore) * rowCount
      for j in 0..<w {
        let jj = j0 + j
        mergeMoments(s, jj, na: na, nb: rowCount, mean: localMean[j], m2: s2[j], m3: s3[j], m4: s4[j])
        let m = maxima[j]
        let source = rows + j
        updateTop(s, jj, max: m, excerpt: e, source: source, stride: n)
        let h = ExcerptHash.hash(base: s.hashBase[jj], excerpt: e)
        if s.random > 0 { updateRandom(s, jj, key: ExcerptHash.randomKey(h, excerpt: e), source: source, stride: n) }
        let sketch = s.sketch(jj)
        sketch.insert(m)
        if s.buckets > 0 && perQuantile > 0 {
          updateQuantiles(
            s, jj, key: ExcerptHash.quantileKey(h, excerpt: e), max: m, excerpt: e, source: source, stride: n,
            sketch: sketch, seen: seenBefore + 1, levels: levels)
        }
      }
    }
  }

  // MARK: - Moments

  /// Merges an excerpt's (count nb, mean, central sums) into the neuron's running ones (Pébay 2008).
  @inline(__always)
  static func mergeMoments(
    _ s: LayerState, _ j: Int, na: Double, nb: Double, mean mb: Double, m2 m2b: Double, m3 m3b: Double,
    m4 m4b: Double
  ) {
    let ma = s.mean[j], m2a = s.m2[j], m3a = s.m3[j], m4a = s.m4[j]
    let n = na + nb
    let delta = mb - ma
    let dn = delta / n
    let dn2 = dn * dn
    let term = delta * dn * na * nb
    s.mean[j] = ma + nb * dn
    s.m2[j] = m2a + m2b + term
    s.m3[j] = m3a + m3b + term * dn * (na - nb) + 3 * dn * (na * m2b - nb * m2a)
    s.m4[j] =
      m4a + m4b + term * dn2 * (na * na - na * nb + nb * nb) + 6 * dn2 * (na * na * m2b + nb * nb * m2a)
      + 4 * dn * (na * m3b - nb * m3a)
  }

  // MARK: - Top excerpts

  @inline(__always)
  static func updateTop(_ s: LayerState, _ j: Int, max m: Float, excerpt e: Int, source: UnsafePointer<Float>, stride: Int) {
    let k = s.top, base = j * k
    let count = Int(s.topCount[j])
    let slot: Int
    if count < k {
      slot = count
      s.topCount[j] = Int32(count + 1)
    } else {
      let worst = Int(s.topWorst[j])
      let wm = s.topMax[base + worst]
      guard m > wm || (m == wm && Int32(e) < s.topID[base + worst]) else { return }
      slot = worst
    }
    s.topMax[base + slot] = m
    s.topID[base + slot] = Int32(e)
    let dst = s.topActs.pointer + (base + slot) * s.tokens
    for t in 0..<s.tokens { dst[t] = source[t * stride] }
    if count + 1 >= k { s.topWorst[j] = Int32(worstTopSlot(s, base: base)) }
  }

  /// The slot holding the lowest maximum (ties: the higher excerpt id).
  static func worstTopSlot(_ s: LayerState, base: Int) -> Int {
    var worst = 0
    for i in 1..<s.top {
      let a = s.topMax[base + i], b = s.topMax[base + worst]
      if a < b || (a == b && s.topID[base + i] > s.topID[base + worst]) { worst = i }
    }
    return worst
  }

  // MARK: - Random sample

  @inline(__always)
  static func updateRandom(_ s: LayerState, _ j: Int, key: UInt64, source: UnsafePointer<Float>, stride: Int) {
    let r = s.random, base = j * r
    let count = Int(s.randomCount[j])
    let slot: Int
    if count < r {
      slot = count
      s.randomCount[j] = Int32(count + 1)
    } else {
      let worst = Int(s.randomWorst[j])
      guard key < s.randomKey[base + worst] else { return }
      slot = worst
    }
    s.randomKey[base + slot] = key
    let dst = s.randomActs.pointer + (base + slot) * s.tokens
    for t in 0..<s.tokens { dst[t] = source[t * stride] }
    if count + 1 >= r {
      var worst = 0
      for i in 1..<r where s.randomKey[base + i] > s.randomKey[base + worst] { worst = i }
      s.randomWorst[j] = Int32(worst)
    }
  }

  // MARK: - Quantile candidates

  @inline(__always)
  static func updateQuantiles(
    _ s: LayerState, _ j: Int, key: UInt64, max m: Float, excerpt e: Int, source: UnsafePointer<Float>,
    stride: Int, sketch: MaxSketch, seen: Int, levels: [Double]
  ) {
    let nb = s.buckets
    var value: UInt64? = nil
    for b in 0..<nb where key < s.quantileThreshold[j * nb + b] {
      let v = value ?? ValueKey.make(m, excerpt: e)
      value = v
      let r = reservoir(s, j, b)
      guard r.admits(key: key, value: v) else { continue }
      r.add(
        key: key, value: v, source: source, stride: stride, lowerLevel: levels[b], upperLevel: levels[b + 1],
        sketch: sketch, seen: seen)
    }
  }

  @inline(__always)
  static func reservoir(_ s: LayerState, _ j: Int, _ b: Int) -> QuantileSampling.Reservoir {
    let bucket = j * s.buckets + b
    let slot0 = bucket * s.candidates
    return QuantileSampling.Reservoir(
      keys: s.quantileKey.pointer + slot0, values: s.quantileValue.pointer + slot0,
      acts: s.quantileActs.pointer + slot0 * s.tokens, count: s.quantileCount.pointer + bucket,
      threshold: s.quantileThreshold.pointer + bucket, low: s.quantileLow.pointer + bucket,
      high: s.quantileHigh.pointer + bucket, capacity: s.candidates, tokens: s.tokens)
  }
}
