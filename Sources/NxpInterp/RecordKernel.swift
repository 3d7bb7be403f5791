import Foundation

/// The hot loop: one layer's batch over one range of neurons.
///
/// For each excerpt, two passes over its T token rows, four neurons at a time (a 16-byte piece
/// of each row, kept in L1 between the passes), give every neuron's maximum and the excerpt's
/// mean and central power sums; the first also transposes the rows into per-neuron columns. Then, neuron by neuron over the batch's excerpts, each neuron
/// merges the moments, updates its top slots only if the maximum beats its current K-th, its
/// random slots only if its key beats the current R-th, its sketch, and its quantile candidates
/// only if the key passes a bucket's threshold.
enum RecordKernel {
  static func process(
    state s: LayerState, neurons range: Range<Int>, matrix: UnsafePointer<Float>, excerptIDs: [Int],
    levels: [Double], perQuantile: Int
  ) {
    let n = s.neurons
    let tCount = s.tokens
    let w = range.count
    let j0 = range.lowerBound
    let batch = excerptIDs.count
    // Per (excerpt, neuron): maximum, mean and central power sums, filled by the passes.
    let maxima = UnsafeMutablePointer<Float>.allocate(capacity: batch * w)
    defer { maxima.deallocate() }
    let sums = UnsafeMutablePointer<Double>.allocate(capacity: 4 * batch * w)
    defer { sums.deallocate() }
    // The chunk's activations transposed, [excerpt][neuron][token], written by the first pass:
    // slot copies then read T contiguous floats instead of T rows 4*n bytes apart (a cache line
    // and often a page each).
    let columns = UnsafeMutablePointer<Float>.allocate(capacity: batch * w * tCount)
    defer { columns.deallocate() }
    let rowCount = Double(tCount)

    // MARK: Passes over each excerpt's rows
    for b in 0..<batch {
      let rows = matrix + b * tCount * n + j0
      let mx = maxima + b * w
      let out = sums + 4 * b * w
      let col = columns + b * w * tCount
      var j = 0
      // Four neurons at a time with the accumulators in registers: both passes read the same
      // T cache lines, which stay in L1 between them.
      while j + 4 <= w {
        var m = load4(rows + j)
        var sum = SIMD4<Double>(m)
        let c0 = col + j * tCount
        c0[0] = m[0]
        c0[tCount] = m[1]
        c0[2 * tCount] = m[2]
        c0[3 * tCount] = m[3]
        for t in 1..<tCount {
          let v = load4(rows + t * n + j)
          m = m.replacing(with: v, where: v .> m)
          sum += SIMD4<Double>(v)
          c0[t] = v[0]
          c0[tCount + t] = v[1]
          c0[2 * tCount + t] = v[2]
          c0[3 * tCount + t] = v[3]
        }
        let mean = sum / rowCount
        var a2 = SIMD4<Double>.zero
        var a3 = SIMD4<Double>.zero
        var a4 = SIMD4<Double>.zero
        for t in 0..<tCount {
          let d = SIMD4<Double>(load4(rows + t * n + j)) - mean
          let d2 = d * d
          a2 += d2
          a3 += d2 * d
          a4 += d2 * d2
        }
        store4(m, mx + j)
        store4(mean, out + j)
        store4(a2, out + w + j)
        store4(a3, out + 2 * w + j)
        store4(a4, out + 3 * w + j)
        j += 4
      }
      while j < w {
        var m = rows[j]
        var sum = Double(m)
        let c0 = col + j * tCount
        c0[0] = m
        for t in 1..<tCount {
          let v = rows[t * n + j]
          m = v > m ? v : m
          sum += Double(v)
          c0[t] = v
        }
        let mean = sum / rowCount
        var a2 = 0.0
        var a3 = 0.0
        var a4 = 0.0
        for t in 0..<tCount {
          let d = Double(rows[t * n + j]) - mean
          let d2 = d * d
          a2 += d2
          a3 += d2 * d
          a4 += d2 * d2
        }
        mx[j] = m
        out[j] = mean
        out[w + j] = a2
        out[2 * w + j] = a3
        out[3 * w + j] = a4
        j += 1
      }
    }

    // MARK: Per-neuron updates
    // Neuron-major, so each neuron's state lines are fetched once per batch; within a neuron the
    // excerpts go in order, which is all the results depend on.
    for j in 0..<w {
      let jj = j0 + j
      let sketch = s.sketch(jj)
      let hashBase = s.hashBase[jj]
      for (b, e) in excerptIDs.enumerated() {
        let seenBefore = s.consumed + b
        let mean = sums + 4 * b * w + j
        mergeMoments(
          s, jj, na: Double(seenBefore) * rowCount, nb: rowCount, mean: mean[0], m2: mean[w], m3: mean[2 * w],
          m4: mean[3 * w])
        let m = maxima[b * w + j]
        let source = UnsafePointer(columns + (b * w + j) * tCount)
        updateTop(s, jj, max: m, excerpt: e, source: source, stride: 1)
        let h = ExcerptHash.hash(base: hashBase, excerpt: e)
        if s.random > 0 { updateRandom(s, jj, key: ExcerptHash.randomKey(h, excerpt: e), source: source, stride: 1) }
        sketch.insert(m)
        if s.buckets > 0 && perQuantile > 0 {
          updateQuantiles(
            s, jj, key: ExcerptHash.quantileKey(h, excerpt: e), max: m, excerpt: e, source: source, stride: 1,
            sketch: sketch, seen: seenBefore + 1, levels: levels)
        }
      }
    }
  }

  /// `count` activations from `source[t * stride]` into `dst`: one contiguous copy when the
  /// source is a transposed column.
  @inline(__always)
  static func copyColumn(_ source: UnsafePointer<Float>, stride: Int, to dst: UnsafeMutablePointer<Float>, count: Int) {
    if stride == 1 {
      dst.update(from: source, count: count)
    } else {
      for t in 0..<count { dst[t] = source[t * stride] }
    }
  }

  @inline(__always)
  static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
  }

  @inline(__always)
  static func store4<T: SIMDScalar>(_ v: SIMD4<T>, _ p: UnsafeMutablePointer<T>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<T>.self)
  }

  // MARK: - Moments

  /// Merges an excerpt's (count nb, mean, central sums) into the neuron's running ones (Pébay 2008).
  @inline(__always)
  static func mergeMoments(
    _ s: LayerState, _ j: Int, na: Double, nb: Double, mean mb: Double, m2 m2b: Double, m3 m3b: Double,
    m4 m4b: Double
  ) {
    let ma = s.mean[j]
    let m2a = s.m2[j]
    let m3a = s.m3[j]
    let m4a = s.m4[j]
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
  static func updateTop(
    _ s: LayerState, _ j: Int, max m: Float, excerpt e: Int, source: UnsafePointer<Float>, stride: Int
  ) {
    let floor = s.topFloor[j]
    guard m > floor || (m == floor && Int32(e) < s.topFloorID[j]) else { return }
    let k = s.top
    let base = j * k
    let count = Int(s.topCount[j])
    let slot: Int
    if count < k {
      slot = count
      s.topCount[j] = Int32(count + 1)
    } else {
      slot = Int(s.topWorst[j])
    }
    s.topMax[base + slot] = m
    s.topID[base + slot] = Int32(e)
    copyColumn(source, stride: stride, to: s.topActs.pointer + (base + slot) * s.tokens, count: s.tokens)
    if count + 1 >= k {
      let worst = worstTopSlot(s, base: base)
      s.topWorst[j] = Int32(worst)
      s.topFloor[j] = s.topMax[base + worst]
      s.topFloorID[j] = s.topID[base + worst]
    }
  }

  /// The slot holding the lowest maximum (ties: the higher excerpt id).
  static func worstTopSlot(_ s: LayerState, base: Int) -> Int {
    var worst = 0
    for i in 1..<s.top {
      let a = s.topMax[base + i]
      let b = s.topMax[base + worst]
      if a < b || (a == b && s.topID[base + i] > s.topID[base + worst]) { worst = i }
    }
    return worst
  }

  // MARK: - Random sample

  @inline(__always)
  static func updateRandom(_ s: LayerState, _ j: Int, key: UInt64, source: UnsafePointer<Float>, stride: Int) {
    guard key < s.randomCeiling[j] else { return }
    let r = s.random
    let base = j * r
    let count = Int(s.randomCount[j])
    let slot: Int
    if count < r {
      slot = count
      s.randomCount[j] = Int32(count + 1)
    } else {
      slot = Int(s.randomWorst[j])
    }
    s.randomKey[base + slot] = key
    copyColumn(source, stride: stride, to: s.randomActs.pointer + (base + slot) * s.tokens, count: s.tokens)
    if count + 1 >= r {
      var worst = 0
      for i in 1..<r where s.randomKey[base + i] > s.randomKey[base + worst] { worst = i }
      s.randomWorst[j] = Int32(worst)
      s.randomCeiling[j] = s.randomKey[base + worst]
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
