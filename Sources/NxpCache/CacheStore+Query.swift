import Foundation

/// One line of `nxp cache ls`.
public struct CacheListing: Sendable, Equatable {
  public let key: String
  public let primitive: String
  /// Total bytes of the value files.
  public let byteSize: Int64
  public let created: Date
  public let info: [String: ManifestValue]
}

extension CacheStore {
  // MARK: - Listing

  /// Every trusted entry, oldest first (ties by key). Untrusted entries are left out.
  public func ls() -> [CacheListing] {
    var listings: [CacheListing] = []
    for key in storedKeys() {
      guard case .trusted(let entry) = CacheEntry.check(key: key, directory: entryDirectory(key), rehash: false)
      else { continue }
      let m = entry.manifest
      listings.append(
        CacheListing(key: key, primitive: m.primitive, byteSize: m.byteSize, created: m.created, info: m.info))
    }
    return listings.sorted { ($0.created, $0.key) < ($1.created, $1.key) }
  }

  /// Looks an entry up by a unique key prefix, like a short git hash.
  ///
  /// Throws `invalidKeyPrefix`, `unknownKeyPrefix`, `ambiguousKeyPrefix` (listing the matches),
  /// or `corruptEntry` when the one match cannot be trusted (it is then removed).
  public func info(_ keyPrefix: String) throws -> CacheEntry {
    let prefix = try CacheKey.normalizedPrefix(keyPrefix)
    let matches = storedKeys(prefix: prefix)
    guard let key = matches.first else { throw CacheError.unknownKeyPrefix(keyPrefix) }
    guard matches.count == 1 else { throw CacheError.ambiguousKeyPrefix(keyPrefix, matches: matches) }
    let directory = entryDirectory(key)
    switch CacheEntry.check(key: key, directory: directory, rehash: false) {
    case .trusted(let entry): return entry
    case .absent: throw CacheError.unknownKeyPrefix(keyPrefix)
    case .untrusted(let problem):
      discard(directory)
      throw CacheError.corruptEntry(key: key, problem: problem)
    }
  }

  /// Bytes of every file under the root: entries, checkpoints, writes in progress, records.
  public var totalSize: Int64 { treeSize(root) }

  // MARK: - Enumeration

  /// Sorted keys of the entry folders under `objects/` (trusted or not) that start with `prefix`.
  func storedKeys(prefix: String = "") -> [String] {
    let shardPrefix = String(prefix.prefix(2))
    var keys: [String] = []
    for shard in directoryNames(objectsPath) where shard.count == 2 && shard.hasPrefix(shardPrefix) {
      for name in directoryNames(objectsPath + "/" + shard)
      where name.hasPrefix(shard) && name.hasPrefix(prefix) && CacheKey.isValid(name) {
        keys.append(name)
      }
    }
    return keys.sorted()
  }
}
