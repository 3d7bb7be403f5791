import Foundation

/// What `gc` removed.
public struct GCReport: Sendable, Equatable {
  /// Keys of the removed entries, sorted.
  public var removedEntries: [String] = []
  /// Keys whose checkpoints were removed, sorted.
  public var removedCheckpoints: [String] = []
  /// How many abandoned temporary folders were removed.
  public var removedTemporaryFolders = 0
  public var freedBytes: Int64 = 0
}

extension CacheStore {
  /// Removes every entry whose key is not in `keep` (and kept entries that are no longer
  /// trusted), the checkpoints of keys not in `keep` unless a live process is computing them,
  /// and temporary folders whose process is gone or that are older than an hour.
  ///
  /// An entry stored by another process while this runs is removed too unless `keep` has it.
  /// `now` is the time temporary folders' age is measured against.
  ///
  /// Throws `CacheError.notACache` (deleting nothing) when the folder has no cache marker.
  @discardableResult
  public func gc(keep: Set<String>, now: Date = Date()) throws -> GCReport {
    try checkMarker()
    var report = GCReport()
    for key in storedKeys() {
      let directory = entryDirectory(key)
      if keep.contains(key), case .trusted = CacheEntry.check(key: key, directory: directory, rehash: false) {
        continue
      }
      let size = treeSize(directory)
      if discard(directory) {
        report.removedEntries.append(key)
        report.freedBytes += size
      }
    }
    for key in directoryNames(partialPath).sorted() where CacheKey.isValid(key) && !keep.contains(key) {
      if let size = CheckpointStore.removeIfIdle(store: self, key: key) {
        report.removedCheckpoints.append(key)
        report.freedBytes += size
      }
    }
    for name in directoryNames(tmpPath) {
      let path = tmpPath + "/" + name
      guard Scratch.isStale(path, name: name, now: now) else { continue }
      let size = treeSize(path)
      removeTree(path)
      report.removedTemporaryFolders += 1
      report.freedBytes += size
    }
    return report
  }
}
