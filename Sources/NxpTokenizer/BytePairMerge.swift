// BPE applies, over and over, the merge of lowest rank among adjacent symbols, taking the
// leftmost pair on ties, until no adjacent pair has a merge. Short words (nearly all of them) are
// merged by scanning a small rank array; long ones use a heap over a linked list of symbols so
// that a run of thousands of repeated characters stays fast. Both give the same result.

extension MergeTable {
  /// Symbol counts up to this are merged by scanning.
  static let scanLimit = 48

  /// Merges `symbols` (token ids of single bytes, usually) in place.
  func merge(_ symbols: inout [Int32]) {
    if symbols.count < 2 { return }
    if symbols.count <= Self.scanLimit { mergeByScan(&symbols) } else { mergeWithHeap(&symbols) }
  }

  // MARK: - Scan

  func mergeByScan(_ symbols: inout [Int32]) {
    var n = symbols.count
    guard n >= 2 else { return }
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { ranks in
      withUnsafeTemporaryAllocation(of: Int32.self, capacity: n) { results in
        symbols.withUnsafeMutableBufferPointer { s in
          // Pair k is (s[k], s[k + 1]).
          for k in 0..<(n - 1) { (ranks[k], results[k]) = lookup(s[k], s[k + 1]) }
          while n > 1 {
            var best = 0
            var bestRank = ranks[0]
            for k in 1..<(n - 1) where ranks[k] < bestRank {
              best = k
              bestRank = ranks[k]
            }
            if bestRank == UInt32.max { break }
            s[best] = results[best]
            // Close the gap left by the right symbol; pair k + 1 becomes pair k.
            for k in (best + 1)..<(n - 1) {
              s[k] = s[k + 1]
              ranks[k - 1] = ranks[k]
              results[k - 1] = results[k]
            }
            n -= 1
            if best > 0 { (ranks[best - 1], results[best - 1]) = lookup(s[best - 1], s[best]) }
            if best < n - 1 { (ranks[best], results[best]) = lookup(s[best], s[best + 1]) }
          }
        }
      }
    }
    symbols.removeLast(symbols.count - n)
  }

  // MARK: - Heap

  func mergeWithHeap(_ symbols: inout [Int32]) {
    let n = symbols.count
    guard n >= 2 else { return }
    var next = Array(1...n)  // n means none
    var prev = Array(-1..<(n - 1))
    var alive = [Bool](repeating: true, count: n)
    var heap = MinHeap()
    // Entries order by rank, then by position: (rank << 32) | position.
    func push(_ left: Int, _ right: Int) {
      let rank = lookup(symbols[left], symbols[right]).rank
      if rank != UInt32.max { heap.push(UInt64(rank) << 32 | UInt64(left)) }
    }
    for k in 0..<(n - 1) { push(k, k + 1) }
    while let top = heap.pop() {
      let pos = Int(top & 0xFFFF_FFFF)
      let rank = UInt32(top >> 32)
      let right = next[pos]
      // Skip entries made stale by earlier merges: a rank names exactly one pair.
      guard alive[pos], right < n else { continue }
      let (current, result) = lookup(symbols[pos], symbols[right])
      guard current == rank else { continue }
      symbols[pos] = result
      alive[right] = false
      next[pos] = next[right]
      if next[right] < n { prev[next[right]] = pos }
      if prev[pos] >= 0 { push(prev[pos], pos) }
      if next[pos] < n { push(pos, next[pos]) }
    }
    var out: [Int32] = []
    var k = 0
    while k < n {
      out.append(symbols[k])
      k = next[k]
    }
    symbols = out
  }
}

/// A binary min-heap of packed (rank, position) keys.
struct MinHeap {
  private var items: [UInt64] = []

  mutating func push(_ x: UInt64) {
    items.append(x)
    var i = items.count - 1
    while i > 0 {
      let parent = (i - 1) / 2
      if items[parent] <= x { break }
      items[i] = items[parent]
      i = parent
    }
    items[i] = x
  }

  mutating func pop() -> UInt64? {
    guard let top = items.first else { return nil }
    let last = items.removeLast()
    if items.isEmpty { return top }
    var i = 0
    let n = items.count
    while true {
      let l = 2 * i + 1
      if l >= n { break }
      let r = l + 1
      let c = r < n && items[r] < items[l] ? r : l
      if items[c] >= last { break }
      items[i] = items[c]
      i = c
    }
    items[i] = last
    return top
  }
}
