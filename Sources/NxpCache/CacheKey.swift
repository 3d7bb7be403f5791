import Foundation

/// Checks on the names the cache turns into paths, so no key or file name can leave its folder.
enum CacheKey {
  /// A key is a SHA-256 in lowercase hex.
  static func isValid(_ key: String) -> Bool {
    key.utf8.count == 64 && key.utf8.allSatisfy(isLowerHex)
  }

  static func validate(_ key: String) throws {
    guard isValid(key) else { throw CacheError.invalidKey(key) }
  }

  /// A prefix for short-hash lookups: 1 to 64 hex characters (upper case is accepted).
  static func normalizedPrefix(_ prefix: String) throws -> String {
    let lower = prefix.lowercased()
    guard (1...64).contains(lower.utf8.count), lower.utf8.allSatisfy(isLowerHex) else {
      throw CacheError.invalidKeyPrefix(prefix)
    }
    return lower
  }

  /// Value file names are plain names; names starting with "." and `manifest.json` are reserved.
  static func validateFileName(_ name: String) throws {
    let ok =
      !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0")
      && name != CacheStore.manifestName
    guard ok else { throw CacheError.invalidFileName(name) }
  }

  private static func isLowerHex(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
  }
}
