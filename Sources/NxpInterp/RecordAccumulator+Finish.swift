import Foundation

extension RecordAccumulator {
  /// The records of everything consumed so far. Does not change the state, so it can also be
  /// called midway (e.g. to preview) and consumption can continue afterwards.
  public func finish() -> NeuronRecords {
    let layers = states.map { finish(layer: $0) }
    return NeuronRecords(configuration: configuration, excerptsRecorded: excerptsConsumed, layers: layers)
  }

  /// The records of everything consumed, like `finish()`, but each layer's state is freed as
  /// soon as its records are made, so a full recording never holds its state and its records
  /// whole at once (peak: the state plus one layer's records). The accumulator can be neither
  /// fed nor finished again afterwards.
  public func finishReleasingState() -> NeuronRecords {
    precondition(!released, "finishReleasingState() called twice")
    let consumed = excerptsConsumed
    var empty = configuration
    empty.neuronsPerLayer = 0
    var layers: [LayerRecords] = []
    layers.reserveCapacity(states.count)
    for i in states.indices {
      layers.append(finish(layer: states[i]))
      // The last reference to the layer's buffers: they are freed here.
      states[i] = LayerState(layer: states[i].layer, configuration: empty)
    }
    released = true
    return NeuronRecords(configuration: configuration, excerptsRecorded: consumed, layers: layers)
  }

  private func finish(layer s: LayerState) -> LayerRecords {
    let c = configuration
    let n = s.neurons
    let k = c.top
    let r = c.random
    let nb = c.bucketCount
    let q = c.perQuantile
    let t = c.tokensPerExcerpt
    let output = FinishOutput(neurons: n, top: k, random: r, buckets: nb, perQuantile: q, tokens: t)
    let chunk = 64
    DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { ci in
      for j in (ci * chunk)..<min(n, (ci + 1) * chunk) {
        finishTop(s, j, output)
        finishRandom(s, j, output)
        finishMoments(s, j, output)
        if nb > 0 { finishQuantiles(s, j, output) }
      }
    }
    return output.records(layer: s.layer, neurons: n)
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
      (o.topActs.pointer + (base + rank) * t).update(from: s.topActs.pointer + (base + slot) * t, count: t)
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
      (o.randomActs.pointer + (base + rank) * t).update(from: s.randomActs.pointer + (base + slot) * t, count: t)
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
          for i in 0..<Int(s.quantileCount[j * nb + other]) where member(ValueKey.value(of: s.quantileValue[o0 + i]), b) {
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
        (o.quantileActs.pointer + dst * t).update(from: s.quantileActs.pointer + slot * t, count: t)
      }
    }
  }
}

/// The arrays of a `LayerRecords` being filled, as buffers that neuron chunks write in parallel;
/// missing entries keep their fill values (id -1, maximum -infinity, activation 0, NaN stats).
final class FinishOutput: @unchecked Sendable {
  let topIDs: StateBuffer<Int32>, topMax: StateBuffer<Float>, topActs: StateBuffer<Float>
  let randomIDs: StateBuffer<Int32>, randomActs: StateBuffer<Float>
  let quantileIDs: StateBuffer<Int32>, quantileActs: StateBuffer<Float>
  let quantileExact: StateBuffer<Int32>, quantileBoundaries: StateBuffer<Float>
  let mean: StateBuffer<Double>, variance: StateBuffer<Double>
  let skewness: StateBuffer<Double>, kurtosis: StateBuffer<Double>

  init(neurons n: Int, top k: Int, random r: Int, buckets nb: Int, perQuantile q: Int, tokens t: Int) {
    topIDs = StateBuffer(count: n * k, repeating: -1)
    topMax = StateBuffer(count: n * k, repeating: -.infinity)
    topActs = StateBuffer(count: n * k * t, repeating: 0)
    randomIDs = StateBuffer(count: n * r, repeating: -1)
    randomActs = StateBuffer(count: n * r * t, repeating: 0)
    quantileIDs = StateBuffer(count: n * nb * q, repeating: -1)
    quantileActs = StateBuffer(count: n * nb * q * t, repeating: 0)
    quantileExact = StateBuffer(count: n * nb, repeating: 0)
    quantileBoundaries = StateBuffer(count: n * (nb + 1), repeating: .nan)
    mean = StateBuffer(count: n, repeating: .nan)
    variance = StateBuffer(count: n, repeating: .nan)
    skewness = StateBuffer(count: n, repeating: .nan)
    kurtosis = StateBuffer(count: n, repeating: .nan)
  }

  func records(layer: Int, neurons: Int) -> LayerRecords {
    LayerRecords(
      layer: layer, neurons: neurons, topIDs: topIDs.array(), topMax: topMax.array(), topActs: topActs.array(),
      randomIDs: randomIDs.array(), randomActs: randomActs.array(), quantileIDs: quantileIDs.array(),
      quantileActs: quantileActs.array(), quantileExact: quantileExact.array(),
      quantileBoundaries: quantileBoundaries.array(), mean: mean.array(), variance: variance.array(),
      skewness: skewness.array(), kurtosis: kurtosis.array())
  }
}
