import Foundation

/// Runs `count` jobs on up to `width` threads (a server backend's concurrency), so that many
/// requests are really in flight. The first error stops new jobs and is rethrown.
public enum ParallelJobs {
  /// The results of `body(0..<count)`, in order.
  public static func map<T>(count: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    guard count > 0 else { return [] }
    let workers = max(1, min(width, count))
    if workers == 1 { return try (0..<count).map(body) }
    let state = SharedState<T>(count: count)
    let group = DispatchGroup()
    for _ in 0..<workers {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        while let i = state.next() {
          do { state.finish(i, try body(i)) } catch { state.fail(error) }
        }
      }
    }
    group.wait()
    return try state.results()
  }

  /// `map` for jobs that return nothing.
  public static func run(count: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    _ = try map(count: count, width: width, body)
  }

  private final class SharedState<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var index = 0
    private var slots: [T?]
    private var error: Error?

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
      lock.lock()
      defer { lock.unlock() }
      guard error == nil, index < slots.count else { return nil }
      index += 1
      return index - 1
    }

    func finish(_ i: Int, _ value: T) {
      lock.lock()
      slots[i] = value
      lock.unlock()
    }

    func fail(_ e: Error) {
      lock.lock()
      if error == nil { error = e }
      lock.unlock()
    }

    /// Every result, or the first error.
    func results() throws -> [T] {
      lock.lock()
      defer { lock.unlock() }
      if let error { throw error }
      return slots.map { $0! }
    }
  }
}
