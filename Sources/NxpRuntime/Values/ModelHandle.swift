import Foundation
import NxpCore

/// Loaded models shared by every node of a session, so `load("smollm2-135m")` reads the file once.
public final class ModelPool {
  private var loaded: [String: AnyObject] = [:]
  private let lock = NSLock()
  /// Threads each loaded model computes with (`RunSettings.threads`); nil keeps one per core.
  public let threads: Int?

  public init(threads: Int? = nil) {
    self.threads = threads
  }

  /// The model for `key`, loading it with `make` the first time.
  public func model<T: AnyObject>(key: String, make: () throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    if let m = loaded[key] as? T { return m }
    let m = try make()
    loaded[key] = m
    return m
  }
}
