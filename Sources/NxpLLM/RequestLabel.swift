import Foundation

/// What the request being sent is for ("explain 6:123", "simulate 6:123 valid excerpt 4"), so an
/// error after the last retry names it. Kept per thread, outside requests, so it never joins a
/// cache key.
public enum RequestLabel {
  private static let key = "nxp.request-label"

  /// Runs `body` with `label` as the current thread's label.
  public static func with<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
    let dictionary = Thread.current.threadDictionary
    let previous = dictionary[key]
    dictionary[key] = label
    defer { dictionary[key] = previous }
    return try body()
  }

  /// The current thread's label, or "a request".
  public static var current: String { (Thread.current.threadDictionary[key] as? String) ?? "a request" }
}
