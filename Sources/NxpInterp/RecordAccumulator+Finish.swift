import Foundation

extension RecordAccumulator {
  /// The records of everything consumed so far. Does not change the state, so it can also be
  /// called midway (e.g. to preview) and consumption can continue afterwards.
  public func finish() -> NeuronRecords {
    let layers = states.map { finish(layer: $0) }
    return NeuronRecords(configuration: configuration, excerptsRecorded: excerptsConsumed, layers: layers)
  }

  private func finish(layer s: LayerState) -> LayerRecords {
    let c = configuration
    let n = s.neurons
    let k = c.top
    let r = c.random
    let nb = c.bucketCount
    let q = c.perQuantile
    let t = c.tokensPerExcerpt
    var out = LayerRecords(
      layer: s.layer, neurons: n, topIDs: Array(repeating: -1, count: n * k),
      topMax: Array(repeating: -.infinity, count: n * k), topActs: Array(repeating: 0, count: n * k * t),
      randomIDs: Array(repeating: -1, count: n * r), randomActs: Array(repeating: 0, count: n * r * t),
      quantileIDs: Array(repeating: -1, count: n * nb * q), quantileActs: Array(repeating: 0, count: n * nb * q * t),
      quantileExact: Array(repeating: 0, count: n * nb),
      quantileBoundaries: Array(repeating: .nan, count: n * (nb + 1)),
      mean: Array(repeating: .nan, count: n), variance: Array(repeating: .nan, count: n),
      skewness: Array(repeating: .nan, count: n), kurtosis: Array(repeating: .nan, count: n))
    let output = FinishOutput(&out)
    let chunk = 64
    DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { ci in
      for j in (ci * chunk)..<min(n, (ci + 1) * chunk) {
        finishTop(s, j, output)
        finishRandom(s, j, output)
        finishMoments(s, j, output)
        if nb > 0 { finishQuantiles(s, j, output) }
      }
    }
    output.copyBack(into: &out)
    return out
  }

  // MARK: - Per neuron

  private func finishTop(_ s: LayerState, _ j: Int, _ o: FinishOutput) {
    let k = s.top
    let t = s.tokens
    let base = j * k
    let count = Int(s.topCount[j])
    let order = (0..<count).sorted { a, b in
      let x = s.topMax[base + a]
      let y = s.topMax[base + b]
      return x > y || (x == y && s.topID[base + a] < s.topID[base + b])
    }
    for (rank, slot) in order.enumerated() {
      o.topIDs[base + rank] = s.topID[base + slot]
      o.topMax[base + rank] = s.topMax[base + slot]
      (o.topActs + (base + rank) * t).update(from: s.topActs.pointer + (base + slot) * t, count: t)
    }
  }

  private func finishRandom(_ s: LayerState, _ j: Int, _ o: FinishOutput) {
    let r = s.random
    let t = s.tokens
    let base = j * r
    let count = Int(s.randomCount[j])
    let order = (0..<count).sorted { s.randomKey[base + $0] < s.randomKey[base + $1] }
    for (rank, slot) in order.enumerated() {
      o.randomIDs[base + rank] = Int32(ExcerptHash.excerpt(ofKey: s.randomKey[base + slot]))
      (o.randomActs + (base + rank) * t).update(from: s.randomActs.pointer + (base + slot) * t, count: t)
    }
  }

  private func finishMoments(_ s: LayerState, _ j: Int, _ o: FinishOutput) {
    let n = Double(s.consumed * s.tokens)
    guard n > 0 else { return }
    let m2 = s.m2[j] / n
    let m3 = s.m3[j] / n
    let m4 = s.m4[j] / n
    o.mean[j] = s.mean[j]
    o.variance[j] = m2
    o.skewness[j] = m2 > 0 ? m3 / (m2 * m2.squareRoot()) : .nan
    o.kurtosis[j] = m2 > 0 ? m4 / (m2 * m2) - 3 : .nan
  }

  private func finishQuantiles(_ s: LayerState, _ j: Int, _ o: FinishOutput) {
    let c = configuration
    let nb = s.buckets
    let q = c.perQuantile
    let t = s.tokens
    let cap = s.candidates
    let levels = c.quantileLevels
    let seen = s.consumed
    guard seen > 0 else { return }
    let sketch = s.sketch(j)
    let bounds = levels.map { sketch.quantile($0, count: seen) }
    for (i, v) in bounds.enumerated() { o.quantileBoundaries[j * (nb + 1) + i] = v }

    /// Whether a maximum falls in bucket b: [lo, hi), closed at the top for the last bucket when
    /// its level is 1, and [lo, lo] when ties make the bucket empty-width.
    func member(_ m: Float, _ b: Int) -> Bool {
      let lo = bounds[b]
      let hi = bounds[b + 1]
      if lo == hi { return m == lo }
      return m >= lo && (m < hi || (b == nb - 1 && levels[nb] == 1 && m == hi))
    }

    for b in 0..<nb {
      let bucket = j * nb + b
      let slot0 = bucket * cap
      let count = Int(s.quantileCount[bucket])
      // Own candidates inside the final bucket, smallest key first.
      var chosen = (0..<count).filter { member(ValueKey.value(of: s.quantileValue[slot0 + $0]), b) }
        .map { slot0 + $0 }
        .sorted { s.quantileKey[$0] < s.quantileKey[$1] }
      let ownInBucket = chosen.count
      chosen = Array(chosen.prefix(q))

      let lo = bounds[b]
      let hi = bounds[b + 1]
      let closedTop = lo == hi || (b == nb - 1 && levels[nb] == 1)
      let coveredBelow = s.quantileLow[bucket] < ValueKey.lowest(lo)
      let topKey = closedTop ? ValueKey.lowest(hi) | 0xFFFF_FFFF : ValueKey.lowest(hi)
      let coveredAbove = closedTop ? s.quantileHigh[bucket] > topKey : s.quantileHigh[bucket] >= topKey
      let complete = ownInBucket >= q || s.quantileThreshold[bucket] == .max
      o.quantileExact[bucket] = coveredBelow && coveredAbove && complete ? 1 : 0

      if chosen.count < q {
        // Fill from the other buckets' candidates that fall in this bucket.
        var have = Set(chosen.map { ExcerptHash.excerpt(ofKey: s.quantileKey[$0]) })
        var extra: [Int] = []
        for other in 0..<nb where other != b {
          let o0 = (j * nb + other) * cap
          for i in 0..<Int(s.quantileCount[j * nb + other]) where member(ValueKey.value(of: s.quantileValue[o0 + i]), b)
          {
            extra.append(o0 + i)
          }
        }
        extra.sort { s.quantileKey[$0] < s.quantileKey[$1] }
        for slot in extra where chosen.count < q {
          let e = ExcerptHash.excerpt(ofKey: s.quantileKey[slot])
          if have.insert(e).inserted { chosen.append(slot) }
        }
        if chosen.count > ownInBucket { o.quantileExact[bucket] = 0 }
      }
      for (rank, slot) in chosen.enumerated() {
        let dst = bucket * q + rank
        o.quantileIDs[dst] = Int32(ExcerptHash.excerpt(ofKey: s.quantileKey[slot]))
        (o.quantileActs + dst * t).update(from: s.quantileActs.pointer + slot * t, count: t)
      }
    }
  }
}

/// Raw pointers into a `LayerRecords` being filled, so neuron chunks can write in parallel.
final class FinishOutput: @unchecked Sendable {
  let topIDs: UnsafeMutablePointer<Int32>, topMax: UnsafeMutablePointer<Float>, topActs: UnsafeMutablePointer<Float>
  let randomIDs: UnsafeMutablePointer<Int32>, randomActs: UnsafeMutablePointer<Float>
  let quantileIDs: UnsafeMutablePointer<Int32>, quantileActs: UnsafeMutablePointer<Float>
  let quantileExact: UnsafeMutablePointer<Int32>, quantileBoundaries: UnsafeMutablePointer<Float>
  let mean: UnsafeMutablePointer<Double>, variance: UnsafeMutablePointer<Double>
  let skewness: UnsafeMutablePointer<Double>, kurtosis: UnsafeMutablePointer<Double>

  init(_ r: inout LayerRecords) {
    func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
      let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
      p.initialize(from: a, count: a.count)
      return p
    }
    topIDs = copy(r.topIDs)
    topMax = copy(r.topMax)
    topActs = copy(r.topActs)
    randomIDs = copy(r.randomIDs)
    randomActs = copy(r.randomActs)
    quantileIDs = copy(r.quantileIDs)
    quantileActs = copy(r.quantileActs)
    quantileExact = copy(r.quantileExact)
    quantileBoundaries = copy(r.quantileBoundaries)
    mean = copy(r.mean)
    variance = copy(r.variance)
    skewness = copy(r.skewness)
    kurtosis = copy(r.kurtosis)
  }

  func copyBack(into r: inout LayerRecords) {
    func back<T>(_ p: UnsafeMutablePointer<T>, _ a: inout [T]) {
      a = Array(UnsafeBufferPointer(start: p, count: a.count))
      p.deallocate()
    }
    back(topIDs, &r.topIDs)
    back(topMax, &r.topMax)
    back(topActs, &r.topActs)
    back(randomIDs, &r.randomIDs)
    back(randomActs, &r.randomActs)
    back(quantileIDs, &r.quantileIDs)
    back(quantileActs, &r.quantileActs)
    back(quantileExact, &r.quantileExact)
    back(quantileBoundaries, &r.quantileBoundaries)
    back(mean, &r.mean)
    back(variance, &r.variance)
    back(skewness, &r.skewness)
    back(kurtosis, &r.kurtosis)
  }
}
