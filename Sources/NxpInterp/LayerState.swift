import Foundation

/// The accumulator's state for one layer, as flat per-neuron arrays (structure of arrays).
///
/// Slot layouts, for neuron j (K = top, R = random, B = buckets, C = candidates per bucket,
/// T = tokens per excerpt):
/// - top: `topMax[j*K + s]`, `topID[j*K + s]`, `topActs[(j*K + s)*T + t]`; unordered slots,
///   `topWorst[j]` is the slot that the next better excerpt replaces and `topFloor[j]`,
///   `topFloorID[j]` its (maximum, id), or (-inf, Int32.max) while slots are free: a dense copy
///   so that the common case (no insertion) reads memory in order.
/// - random: `randomKey[j*R + s]`, `randomActs[(j*R + s)*T + t]`, `randomWorst[j]` holds the
///   largest key and `randomCeiling[j]` that key (UInt64.max while slots are free).
/// - quantile candidates of bucket b: slot index `(j*B + b)*C + s`; per bucket a count, a key
///   threshold and a value window (see `QuantileSampling`).
/// - sketch: `MaxSketch` over `sketchBins[j*1024 ...]`.
/// - moments: mean and the sums of 2nd, 3rd and 4th powers of deviations, all over
///   `consumed * T` tokens.
final class LayerState: @unchecked Sendable {
  let layer: Int
  let neurons: Int
  let top: Int, random: Int, buckets: Int, candidates: Int, tokens: Int

  // Top excerpts.
  let topMax: StateBuffer<Float>
  let topID: StateBuffer<Int32>
  let topActs: StateBuffer<Float>
  let topCount: StateBuffer<Int32>
  let topWorst: StateBuffer<Int32>
  let topFloor: StateBuffer<Float>
  let topFloorID: StateBuffer<Int32>

  // Random sample.
  let randomKey: StateBuffer<UInt64>
  let randomActs: StateBuffer<Float>
  let randomCount: StateBuffer<Int32>
  let randomWorst: StateBuffer<Int32>
  let randomCeiling: StateBuffer<UInt64>

  // Quantile candidates.
  let quantileKey: StateBuffer<UInt64>
  let quantileValue: StateBuffer<UInt64>
  let quantileActs: StateBuffer<Float>
  let quantileCount: StateBuffer<Int32>
  let quantileThreshold: StateBuffer<UInt64>
  let quantileLow: StateBuffer<UInt64>
  let quantileHigh: StateBuffer<UInt64>

  // Sketch of per-excerpt maxima.
  let sketchBins: StateBuffer<UInt32>
  let sketchBlocks: StateBuffer<UInt32>
  let sketchLo: StateBuffer<Int32>
  let sketchFlags: StateBuffer<Int32>
  let sketchMinMax: StateBuffer<Float>

  // Moments.
  let mean: StateBuffer<Double>
  let m2: StateBuffer<Double>
  let m3: StateBuffer<Double>
  let m4: StateBuffer<Double>

  /// Per-neuron hash seeds (derived from the seed, so not checkpointed).
  let hashBase: StateBuffer<UInt64>

  /// Excerpts consumed by this layer so far.
  var consumed: Int = 0

  init(layer: Int, configuration c: RecordConfiguration) {
    self.layer = layer
    let n = c.neuronsPerLayer
    neurons = n
    top = c.top
    random = c.random
    buckets = c.bucketCount
    candidates = c.candidatesPerBucket
    tokens = c.tokensPerExcerpt
    let t = tokens

    topMax = StateBuffer(count: n * top, repeating: -.infinity)
    topID = StateBuffer(count: n * top, repeating: -1)
    topActs = StateBuffer(count: n * top * t, repeating: 0)
    topCount = StateBuffer(count: n, repeating: 0)
    topWorst = StateBuffer(count: n, repeating: 0)
    topFloor = StateBuffer(count: n, repeating: -.infinity)
    topFloorID = StateBuffer(count: n, repeating: .max)

    randomKey = StateBuffer(count: n * random, repeating: .max)
    randomActs = StateBuffer(count: n * random * t, repeating: 0)
    randomCount = StateBuffer(count: n, repeating: 0)
    randomWorst = StateBuffer(count: n, repeating: 0)
    randomCeiling = StateBuffer(count: n, repeating: .max)

    let slots = n * buckets * candidates
    quantileKey = StateBuffer(count: slots, repeating: .max)
    quantileValue = StateBuffer(count: slots, repeating: 0)
    quantileActs = StateBuffer(count: slots * t, repeating: 0)
    quantileCount = StateBuffer(count: n * buckets, repeating: 0)
    quantileThreshold = StateBuffer(count: n * buckets, repeating: .max)
    quantileLow = StateBuffer(count: n * buckets, repeating: 0)
    quantileHigh = StateBuffer(count: n * buckets, repeating: .max)
    for b in 0..<buckets {
      let p = c.quantileLevels[b + 1] - c.quantileLevels[b]
      let tau = QuantileSampling.initialThreshold(
        bucketFraction: p, perQuantile: c.perQuantile, excerptCount: c.excerptCount)
      for j in 0..<n { quantileThreshold[j * buckets + b] = tau }
    }

    sketchBins = StateBuffer(count: n * MaxSketch.binCount, repeating: 0)
    sketchBlocks = StateBuffer(count: n * MaxSketch.blockCount, repeating: 0)
    sketchLo = StateBuffer(count: n, repeating: 0)
    sketchFlags = StateBuffer(count: n, repeating: 0)
    sketchMinMax = StateBuffer(count: n * 2, repeating: 0)

    mean = StateBuffer(count: n, repeating: 0)
    m2 = StateBuffer(count: n, repeating: 0)
    m3 = StateBuffer(count: n, repeating: 0)
    m4 = StateBuffer(count: n, repeating: 0)

    hashBase = StateBuffer(count: n, repeating: 0)
    for j in 0..<n { hashBase[j] = ExcerptHash.neuronBase(seed: c.seed, layer: layer, neuron: j) }
  }

  /// The sketch of neuron j.
  @inline(__always)
  func sketch(_ j: Int) -> MaxSketch {
    MaxSketch(
      bins: sketchBins.pointer + j * MaxSketch.binCount, blocks: sketchBlocks.pointer + j * MaxSketch.blockCount,
      lo: sketchLo.pointer + j, flags: sketchFlags.pointer + j, minMax: sketchMinMax.pointer + 2 * j)
  }

  /// Checkpointed buffers by name; the hash seeds are derived, not stored.
  var namedBuffers: [(String, AnyStateBuffer)] {
    [
      ("top.max", topMax), ("top.id", topID), ("top.acts", topActs), ("top.count", topCount),
      ("top.worst", topWorst), ("top.floor", topFloor), ("top.floor_id", topFloorID),
      ("random.key", randomKey), ("random.acts", randomActs), ("random.count", randomCount),
      ("random.worst", randomWorst), ("random.ceiling", randomCeiling),
      ("quantile.key", quantileKey), ("quantile.value", quantileValue), ("quantile.acts", quantileActs),
      ("quantile.count", quantileCount), ("quantile.threshold", quantileThreshold),
      ("quantile.low", quantileLow), ("quantile.high", quantileHigh),
      ("sketch.bins", sketchBins), ("sketch.blocks", sketchBlocks), ("sketch.lo", sketchLo),
      ("sketch.flags", sketchFlags), ("sketch.minmax", sketchMinMax),
      ("moments.mean", mean), ("moments.m2", m2), ("moments.m3", m3), ("moments.m4", m4),
    ]
  }

  /// Bytes held by this layer's state, hash seeds included.
  var byteCount: Int { namedBuffers.reduce(hashBase.byteCount) { $0 + $1.1.byteCount } }
}
