/// The `count` largest positive and `count` most negative values of a stream, each with its key.
/// Zeros and NaNs are never kept; among equal values the one offered first ranks first, so a scan in key order gives
/// the same lists on every run.
///
/// Made for long scans that keep few entries: a value that does not beat the current last entry
/// costs one comparison.
public struct SignedExtremes: Sendable {
  public struct Entry: Sendable, Equatable {
    public var value: Float
    public var key: Int

    @inlinable
    public init(value: Float, key: Int) {
      self.value = value
      self.key = key
    }
  }

  public let count: Int
  /// Largest first.
  public var positive: [Entry] { kept.positive }
  /// Most negative first.
  public var negative: [Entry] { kept.negative }
  // Inlined into the callers' scans (other modules), so its storage is visible to them.
  @usableFromInline var kept: (positive: [Entry], negative: [Entry]) = ([], [])

  public init(count: Int) {
    self.count = max(0, count)
    kept.positive.reserveCapacity(self.count + 1)
    kept.negative.reserveCapacity(self.count + 1)
  }

  @inlinable
  public mutating func offer(_ value: Float, key: Int) {
    if value > 0 {
      if kept.positive.count == count {
        guard count > 0, value > kept.positive[count - 1].value else { return }
        kept.positive.removeLast()
      }
      var i = kept.positive.count
      while i > 0 && kept.positive[i - 1].value < value { i -= 1 }
      kept.positive.insert(Entry(value: value, key: key), at: i)
    } else if value < 0 {
      if kept.negative.count == count {
        guard count > 0, value < kept.negative[count - 1].value else { return }
        kept.negative.removeLast()
      }
      var i = kept.negative.count
      while i > 0 && kept.negative[i - 1].value > value { i -= 1 }
      kept.negative.insert(Entry(value: value, key: key), at: i)
    }
  }
}
