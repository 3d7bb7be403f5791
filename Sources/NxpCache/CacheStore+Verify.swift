import Foundation

/// What `verifyAll` found.
public struct VerifyReport: Sendable, Equatable {
  /// How many entries were re-hashed.
  public var checked = 0
  /// The entries that failed, by key (they have been removed).
  public var corrupt: [String: EntryProblem] = [:]
}

extension CacheStore {
  /// The result of re-hashing one entry.
  public enum Verification: Equatable, Sendable {
    case valid
    case missing
    /// The entry failed and has been removed.
    case corrupt(EntryProblem)
  }

  /// Re-hashes the value files of `key` against its manifest; a corrupt entry is removed.
  public func verify(_ key: String) throws -> Verification {
    try CacheKey.validate(key)
    let directory = entryDirectory(key)
    switch CacheEntry.check(key: key, directory: directory, rehash: true) {
    case .trusted: return .valid
    case .absent: return .missing
    case .untrusted(let problem):
      discard(directory)
      return .corrupt(problem)
    }
  }

  /// Re-hashes every entry, removing the corrupt ones. Throws `CacheError.notACache` when the
  /// folder has no cache marker.
  public func verifyAll() throws -> VerifyReport {
    try checkMarker()
    var report = VerifyReport()
    for key in storedKeys() {
      report.checked += 1
      if case .corrupt(let problem)? = try? verify(key) { report.corrupt[key] = problem }
    }
    return report
  }
}
