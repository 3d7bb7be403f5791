import Foundation

/// Seeded per-(layer, neuron, excerpt) priorities that decide the random and quantile samples.
///
/// Each neuron's random sample is the R excerpts with the smallest random key, and each quantile
/// bucket's sample is the Q bucket members with the smallest quantile key. Keys depend only on
/// the seed, the neuron and the excerpt index, so the samples are uniform without replacement,
/// independent across neurons, and the same whatever the batch boundaries or the order excerpts
/// arrive in. `Tests/Reference/records_reference.py` computes the same keys.
///
///     base(l, j)  = mix(mix(seed ^ l) ^ j)
///     h           = mix(base(l, j) ^ e)
///     random key  = (h & 0xFFFF_FFFF) << 32 | e
///     quantile key= (h >> 32) << 32 | e
///
/// where `mix` is SplitMix64's step (add the golden-ratio increment, then its finaliser). The
/// excerpt index in the low half breaks ties between equal priorities.
enum ExcerptHash {
  @inline(__always)
  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  static func neuronBase(seed: UInt64, layer: Int, neuron: Int) -> UInt64 {
    mix(mix(seed ^ UInt64(layer)) ^ UInt64(neuron))
  }

  @inline(__always)
  static func hash(base: UInt64, excerpt: Int) -> UInt64 { mix(base ^ UInt64(excerpt)) }

  @inline(__always)
  static func randomKey(_ h: UInt64, excerpt: Int) -> UInt64 { (h << 32) | UInt64(excerpt) }

  @inline(__always)
  static func quantileKey(_ h: UInt64, excerpt: Int) -> UInt64 { (h & 0xFFFF_FFFF_0000_0000) | UInt64(excerpt) }

  /// The excerpt index stored in a key's low half.
  @inline(__always)
  static func excerpt(ofKey key: UInt64) -> Int { Int(key & 0xFFFF_FFFF) }
}

/// Maps a (value, excerpt) pair to a UInt64 whose unsigned order is the value's float order, ties
/// broken by excerpt index; the quantile candidates' windows are intervals of these.
enum ValueKey {
  @inline(__always)
  static func make(_ value: Float, excerpt: Int) -> UInt64 {
    (UInt64(ordered(value)) << 32) | UInt64(excerpt)
  }

  /// The float's bits, flipped so that unsigned order matches numeric order; -0 is read as +0 so
  /// that keys agree with float comparison.
  @inline(__always)
  static func ordered(_ value: Float) -> UInt32 {
    let bits = (value == 0 ? 0 : value).bitPattern
    return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
  }

  @inline(__always)
  static func value(of key: UInt64) -> Float {
    let o = UInt32(truncatingIfNeeded: key >> 32)
    return Float(bitPattern: o & 0x8000_0000 != 0 ? o & 0x7FFF_FFFF : ~o)
  }

  /// The smallest key of any excerpt whose value is `value`.
  static func lowest(_ value: Float) -> UInt64 { UInt64(ordered(value)) << 32 }
}
