import Foundation

// Looking up every pre-tokenized word is the hottest path of encoding, so the cache hashes the
// word's bytes in place (no key array is built for a lookup) and keeps keys and ids in flat
// arenas addressed by an open-addressing slot table.

/// Encoded words by their bytes, shared by all threads using a tokenizer (under a lock).
final class WordCache: @unchecked Sendable {
  private let lock = NSLock()
  /// Entries before the cache starts over; keeps memory bounded on endless distinct words.
  private let limit: Int
  /// Entry index + 1 per slot, 0 when empty.
  private var slots: [Int32]
  private var hashes: [UInt64] = []
  private var keyStarts: [Int] = []
  private var valueStarts: [Int] = []
  /// Keys end where the next entry's key starts (or at the arena's end).
  private var keyBytes: [UInt8] = []
  private var values: [Int32] = []

  init(limit: Int = 65_536) {
    self.limit = limit
    var size = 16
    while size < limit * 2 { size <<= 1 }
    slots = [Int32](repeating: 0, count: size)
  }

  /// FNV-1a over the word's bytes.
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
  }

  /// Appends the cached ids of `key` to `out` and returns true, or returns false.
  func lookup(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, into out: inout [Int32]) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    guard let entry = find(key, hash: hash).entry else { return false }
    let end = entry + 1 < valueStarts.count ? valueStarts[entry + 1] : values.count
    out.append(contentsOf: values[valueStarts[entry]..<end])
    return true
  }

  /// Stores the ids of `key` (a no-op if another thread stored it first).
  func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, ids: [Int32]) {
    lock.lock()
    defer { lock.unlock() }
    var (entry, slot) = find(key, hash: hash)
    guard entry == nil else { return }
    if hashes.count >= limit {
      clear()
      (entry, slot) = find(key, hash: hash)
    }
    hashes.append(hash)
    keyStarts.append(keyBytes.count)
    keyBytes.append(contentsOf: key)
    valueStarts.append(values.count)
    values.append(contentsOf: ids)
    slots[slot] = Int32(hashes.count)
  }

  /// The entry holding `key`, or the empty slot where it would go.
  private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (entry: Int?, slot: Int) {
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash >> 17) & mask
    while true {
      let stored = Int(slots[slot])
      if stored == 0 { return (nil, slot) }
      let entry = stored - 1
      if hashes[entry] == hash {
        let start = keyStarts[entry]
        let end = entry + 1 < keyStarts.count ? keyStarts[entry + 1] : keyBytes.count
        if end - start == key.count {
          let same = keyBytes.withUnsafeBufferPointer { stored in
            key.isEmpty || memcmp(stored.baseAddress! + start, key.baseAddress!, key.count) == 0
          }
          if same { return (entry, slot) }
        }
      }
      slot = (slot + 1) & mask
    }
  }

  private func clear() {
    for i in slots.indices { slots[i] = 0 }
    hashes.removeAll(keepingCapacity: true)
    keyStarts.removeAll(keepingCapacity: true)
    valueStarts.removeAll(keepingCapacity: true)
    keyBytes.removeAll(keepingCapacity: true)
    values.removeAll(keepingCapacity: true)
  }
}
