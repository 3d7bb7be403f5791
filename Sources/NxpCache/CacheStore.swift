import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A content-addressed store of values on disk.
///
/// Layout under `root`:
/// 1. `objects/3f/3fa9…/` — one folder per key with the value files and `manifest.json`;
/// 2. `tmp/<purpose>-<pid>-<random>/` — writes in progress and entries being removed;
/// 3. `partial/<key>/` — checkpoints of long computations (`CheckpointStore`);
/// 4. `runs/<sha>.json` — the last key of each binding per script (`RunLog`);
/// 5. `file-hashes.json` — remembered file hashes (`FileHasher`);
/// 6. `nxp-cache.json` — the marker that says this folder is an nxp cache (`CacheMarker`).
///
/// An entry appears by renaming a complete, flushed folder into place, so a reader sees the whole
/// entry or none of it, whatever happens to the writer. Any number of threads and processes may
/// share one store.
public final class CacheStore: Sendable {
  /// The name of the manifest file in every entry folder.
  public static let manifestName = "manifest.json"

  /// The store's folder (absolute).
  public let root: String

  /// Opens (without creating) the store at `root`; a relative path is taken from the current
  /// directory. Folders are created by the first write.
  public init(root: String) {
    self.root = URL(fileURLWithPath: root).standardizedFileURL.path
  }

  // MARK: - Locating the store

  /// The store a command should use when no `--cache DIR` is given: `NXP_CACHE_DIR` when set,
  /// else `.nxp/cache` in the nearest folder from `cwd` upward that has a `.nxp` folder (as git
  /// finds `.git`), else `<cwd>/.nxp/cache`.
  public static func defaultRoot(cwd: String, environment: [String: String]) -> String {
    let base = URL(fileURLWithPath: cwd).standardizedFileURL
    if let dir = environment["NXP_CACHE_DIR"], !dir.isEmpty {
      return URL(fileURLWithPath: dir, relativeTo: base).standardizedFileURL.path
    }
    // Every folder from `cwd` up to the root, by path components, so the walk ends whatever the
    // path looks like (a working folder that was deleted meanwhile, a path with `..` left in it).
    let components = base.path.split(separator: "/", omittingEmptySubsequences: true)
    for count in stride(from: components.count, through: 0, by: -1) {
      let folder = "/" + components.prefix(count).joined(separator: "/")
      let candidate = (folder == "/" ? "" : folder) + "/.nxp"
      if FileStatus.of(candidate)?.isDirectory == true { return candidate + "/cache" }
    }
    return base.appendingPathComponent(".nxp/cache").path
  }

  // MARK: - Layout

  var objectsPath: String { root + "/objects" }
  var tmpPath: String { root + "/tmp" }
  var partialPath: String { root + "/partial" }
  var runsPath: String { root + "/runs" }

  /// `root/objects/3f/3fa9…`.
  func entryDirectory(_ key: String) -> String {
    objectsPath + "/" + key.prefix(2) + "/" + key
  }

  // MARK: - Writing

  /// Stores in-memory value files under `key` and returns the entry now in the store.
  ///
  /// When another writer stored `key` first, its entry is kept and returned and these files are
  /// discarded: equal keys mean equal values.
  @discardableResult
  public func put(_ key: String, files: [String: Data], manifest: Manifest) throws -> CacheEntry {
    try put(key, manifest: manifest) { try $0.write(files) }
  }

  /// Stores value files that already exist on disk by moving them into the entry (a rename when
  /// they are on the store's file system, so nothing is copied). If the put fails, the files
  /// moved so far are deleted with the staging folder.
  @discardableResult
  public func put(_ key: String, moving files: [String: URL], manifest: Manifest) throws -> CacheEntry {
    try put(key, manifest: manifest) { try $0.move(files) }
  }

  /// Stores value files that `write` streams into a private staging folder; use
  /// `staging.path(for: "value.safetensors")` as the destination of a large write. If `write`
  /// throws, nothing is stored and the error is rethrown.
  @discardableResult
  public func put(
    _ key: String, manifest: Manifest, writing write: (StagingDirectory) throws -> Void
  ) throws -> CacheEntry {
    try CacheKey.validate(key)
    prepareForWriting()
    let stagingPath = try Scratch.create(in: tmpPath, purpose: "put")
    var published = false
    defer { if !published { removeTree(stagingPath) } }

    let staging = StagingDirectory(path: stagingPath)
    try write(staging)
    var sealed = manifest
    sealed.formatVersion = Manifest.currentFormatVersion
    sealed.key = key
    sealed.created = Manifest.now()
    sealed.files = try staging.seal()
    try AtomicFile.writeAndSync(try sealed.encoded(), to: stagingPath + "/" + CacheStore.manifestName)
    try syncPath(stagingPath)

    let destination = entryDirectory(key)
    let shard = (destination as NSString).deletingLastPathComponent
    try makeDirectory(shard)
    // A few rounds: a concurrent writer may publish, or a reader may discard, between our checks.
    for _ in 0..<4 {
      if rename(stagingPath, destination) == 0 {
        published = true
        // The entry is in place; should these flushes fail, a crash can at worst lose it, which
        // a later get treats as a miss, so the put still succeeded.
        try? syncPath(shard)
        try? syncPath(objectsPath)
        return CacheEntry(key: key, manifest: sealed, directory: destination)
      }
      let code = errno
      guard code == ENOTEMPTY || code == EEXIST else { throw ioError("publish entry", destination, code) }
      switch CacheEntry.check(key: key, directory: destination, rehash: false) {
      case .trusted(let existing): return existing
      case .untrusted: discard(destination)
      case .absent: continue
      }
    }
    throw ioError("publish entry", destination, EEXIST)
  }

  // MARK: - Reading

  /// The trusted entry for `key`, or nil. An entry that breaks the trust rule (unreadable
  /// manifest, another format version, a missing or wrongly sized file) is a miss and is removed
  /// so it gets recomputed.
  public func get(_ key: String) throws -> CacheEntry? {
    try CacheKey.validate(key)
    let directory = entryDirectory(key)
    switch CacheEntry.check(key: key, directory: directory, rehash: false) {
    case .trusted(let entry): return entry
    case .absent: return nil
    case .untrusted:
      discard(directory)
      return nil
    }
  }

  /// The trusted entry for `key` with every value file's checksum checked, for reading its value.
  /// Besides what `get` refuses, a file whose contents changed since it was stored (same size,
  /// other bytes) is a miss: the entry is removed and `reporter` warned, so the value is
  /// recomputed rather than trusted.
  public func read(_ key: String, reporter: Reporter) throws -> CacheEntry? {
    try CacheKey.validate(key)
    let directory = entryDirectory(key)
    switch CacheEntry.check(key: key, directory: directory, depth: .checksums) {
    case .trusted(let entry): return entry
    case .absent: return nil
    case .untrusted(let problem):
      var what = "cache entry \(key.prefix(12))"
      if let data = FileManager.default.contents(atPath: directory + "/" + CacheStore.manifestName),
        let manifest = try? Manifest.decode(data), case .string(let call)? = manifest.info["call"]
      {
        what += " (\(call))"
      }
      discard(directory)
      // Entries of another format are expected after an upgrade; anything else is damage.
      if case .formatVersion = problem {
      } else {
        reporter.warning("\(what) was damaged (\(problem)); removed it, recomputing")
      }
      return nil
    }
  }

  /// Whether a trusted entry for `key` exists (an untrusted one is removed).
  public func contains(_ key: String) throws -> Bool { try get(key) != nil }

  // MARK: - Removing

  /// Removes the entry for `key`; returns whether there was one.
  @discardableResult
  public func remove(_ key: String) throws -> Bool {
    try CacheKey.validate(key)
    return discard(entryDirectory(key))
  }

  /// Moves an entry folder out of `objects/` in one rename (so no reader sees it half deleted),
  /// then deletes it. Returns false when it was already gone.
  @discardableResult
  func discard(_ directory: String) -> Bool {
    guard let trash = try? Scratch.create(in: tmpPath, purpose: "discard") else { return false }
    defer { removeTree(trash) }
    return rename(directory, trash + "/entry") == 0
  }
}
