import Foundation

/// Fork-join helpers on the shared dispatch pool.
public enum Parallel {
  /// Runs `body(i)` for every `i` in `0..<count`, concurrently when `count > 1`, and returns when
  /// all are done.
  public static func forEach(_ count: Int, _ body: (Int) -> Void) {
    if count == 1 {
      body(0)
    } else if count > 1 {
      DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
  }

  /// Splits `0..<total` into `parts` contiguous ranges of near-equal size.
  public static func ranges(_ total: Int, parts: Int) -> [Range<Int>] {
    let parts = max(1, min(parts, total))
    return (0..<parts).map { (total * $0 / parts)..<(total * ($0 + 1) / parts) }
  }
}

/// Serialises model computations in the process: they share OpenBLAS's global thread setting.
public enum ComputeLock {
  private static let lock = NSRecursiveLock()

  /// Runs `body` while holding the lock (re-entrant on the same thread).
  public static func run<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }
}
