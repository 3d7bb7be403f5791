// Rank lookups dominate BPE encoding, so merges live in an open-addressing table keyed by the
// two token ids, which hashes far faster than a Dictionary of pairs.

/// The ranked merges: (left id, right id) -> (rank, merged id).
struct MergeTable: Sendable {
  private var keys: [UInt64]
  private var ranks: [UInt32]
  private var results: [Int32]
  private let mask: Int
  private let shift: UInt64
  private static let empty = UInt64.max

  /// The number of distinct pairs.
  private(set) var count = 0

  init(capacity: Int) {
    var size = 16
    var bits: UInt64 = 4
    while size < capacity * 2 {
      size <<= 1
      bits += 1
    }
    shift = 64 - bits
    keys = [UInt64](repeating: Self.empty, count: size)
    ranks = [UInt32](repeating: 0, count: size)
    results = [Int32](repeating: 0, count: size)
    mask = size - 1
  }

  @inline(__always)
  private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
  }

  @inline(__always)
  private func slot(_ key: UInt64) -> Int {
    // Fibonacci hashing: the top bits of the product spread the structured ids over the table.
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  /// Adds or replaces a pair. A repeated pair takes the later rank, as HF's merge map does.
  mutating func insert(_ left: Int32, _ right: Int32, rank: UInt32, result: Int32) {
    let k = Self.key(left, right)
    var i = slot(k)
    while keys[i] != Self.empty && keys[i] != k { i = (i + 1) & mask }
    if keys[i] == Self.empty { count += 1 }
    keys[i] = k
    ranks[i] = rank
    results[i] = result
  }

  /// The rank and merged id of a pair, rank `UInt32.max` when the pair does not merge.
  @inline(__always)
  func lookup(_ left: Int32, _ right: Int32) -> (rank: UInt32, result: Int32) {
    let k = Self.key(left, right)
    var i = slot(k)
    while true {
      let stored = keys[i]
      if stored == k { return (ranks[i], results[i]) }
      if stored == Self.empty { return (UInt32.max, -1) }
      i = (i + 1) & mask
    }
  }
}
