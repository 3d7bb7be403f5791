import Foundation

/// A short name for the request being made on this thread ("explain 6:123"), which a server
/// backend puts in its errors. Thread-local, so it reaches the backend through wrappers such as
/// `CachingBackend` without joining any cache key.
public enum RequestLabel {
  private static let key = "nxp.request-label"

  /// The innermost label set on this thread, or nil.
  public static var current: String? { Thread.current.threadDictionary[key] as? String }

  /// Runs `body` with `label` as this thread's request label.
  public static func with<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
    let dictionary = Thread.current.threadDictionary
    let previous = dictionary[key]
    dictionary[key] = label
    defer { dictionary[key] = previous }
    return try body()
  }
}

/// Removes a secret from text quoted in messages: the secret itself and its JSON-escaped form.
struct Redaction: Sendable {
  let secret: String?

  func apply(_ text: String) -> String {
    guard let secret, !secret.isEmpty else { return text }
    var out = text.replacingOccurrences(of: secret, with: "[redacted]")
    let escaped = secret.replacingOccurrences(of: "/", with: "\\/")
    if escaped != secret { out = out.replacingOccurrences(of: escaped, with: "[redacted]") }
    return out
  }

  /// The start of a server's answer on one line, redacted, for an error message.
  func excerpt(_ body: Data, limit: Int = 200) -> String {
    let text = apply(String(decoding: body, as: UTF8.self))
    let oneLine = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    if oneLine.isEmpty { return "(empty body)" }
    // Cut after redacting, so a key split by the cut cannot survive.
    return oneLine.count > limit ? String(oneLine.prefix(limit)) + "…" : oneLine
  }
}
