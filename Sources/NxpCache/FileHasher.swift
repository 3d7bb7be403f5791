import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The SHA-256 of a file or a set of files, plus each file's own hash.
public struct TreeHash: Equatable, Sendable {
  /// SHA-256 over the sorted (path, hash) pairs.
  public let sha256: String
  /// Each file's path (relative to the folder or base it was found from) and hash, sorted.
  public let files: [FileHash]

  public struct FileHash: Equatable, Sendable {
    public let path: String
    public let sha256: String
  }

  init(_ files: [FileHash]) {
    let sorted = files.sorted { $0.path < $1.path }
    self.files = sorted
    let pairs = sorted.map { CanonicalValue.list([.string($0.path), .string($0.sha256)]) }
    self.sha256 = CanonicalValue.record(["format": .string("nxp-tree/1"), "files": .list(pairs)]).sha256
  }
}

/// Hashes files once and remembers the result by (absolute path, size, mtime in ns, inode) in a
/// JSON memo under the cache root, so unchanged model files and corpora are not read again.
///
/// The memo is rewritten atomically after new hashes; processes sharing it may lose each other's
/// updates (they are recomputed) but never corrupt it, and an unreadable memo is rebuilt. One
/// hasher hashes one file at a time.
public final class FileHasher: @unchecked Sendable {
  /// Files modified this recently are hashed but not remembered: a write within the same clock
  /// tick could change them without changing their mtime.
  static let settleTime: TimeInterval = 2

  public let memoPath: String
  private let mutex = NSLock()
  private var memo: [String: Stamp]?

  /// Uses the memo file of `store` (`root/file-hashes.json`).
  public convenience init(store: CacheStore) {
    self.init(memoPath: store.root + "/file-hashes.json")
  }

  public init(memoPath: String) {
    self.memoPath = memoPath
  }

  // MARK: - Hashing

  /// The SHA-256 of the file at `path`.
  public func hash(file path: String) throws -> String {
    try hash(files: [path])[0]
  }

  /// The SHA-256 of each file, in order; the memo is written once for all of them.
  public func hash(files paths: [String]) throws -> [String] {
    mutex.lock()
    defer { mutex.unlock() }
    var known = loadedMemo()
    var learned: [String: Stamp] = [:]
    let now = Date()
    let hashes = try paths.map { path -> String in
      let absolute = canonicalPath(path)
      guard let status = FileStatus.of(absolute) else { throw ioError("hash", path, ENOENT) }
      guard status.isRegularFile else { throw ioError("hash", path, EISDIR) }
      if let stamp = known[absolute], stamp.matches(status) { return stamp.sha256 }
      let sha = try ContentHash.hexOfFile(atPath: absolute)
      let modified = Date(timeIntervalSince1970: Double(status.mtimeNanoseconds) / 1e9)
      // Stat again: a file that changed while being read must not be remembered.
      if now.timeIntervalSince(modified) > Self.settleTime, FileStatus.of(absolute) == status {
        let stamp = Stamp(status, sha256: sha)
        known[absolute] = stamp
        learned[absolute] = stamp
      }
      return sha
    }
    if !learned.isEmpty { save(learned) }
    return hashes
  }

  /// A hash of every regular file under `directory`, by path relative to it.
  public func hash(directory: String) throws -> TreeHash {
    guard FileStatus.of(directory)?.isDirectory == true else { throw ioError("hash folder", directory, ENOTDIR) }
    guard let walker = FileManager.default.enumerator(atPath: directory) else {
      throw ioError("read folder", directory, EIO)
    }
    var relatives: [String] = []
    while let relative = walker.nextObject() as? String {
      if FileStatus.of(directory + "/" + relative)?.isRegularFile == true { relatives.append(relative) }
    }
    relatives.sort()
    let hashes = try hash(files: relatives.map { directory + "/" + $0 })
    return TreeHash(zip(relatives, hashes).map { TreeHash.FileHash(path: $0, sha256: $1) })
  }

  /// A hash of the regular files matching a shell glob (`corpus/*.txt`), by path relative to
  /// `base`, which also anchors a relative pattern. Throws when nothing matches.
  public func hash(glob pattern: String, relativeTo base: String) throws -> TreeHash {
    let root = URL(fileURLWithPath: base).standardizedFileURL.path
    let absolutePattern = pattern.hasPrefix("/") ? pattern : Self.escapeGlob(root) + "/" + pattern
    let matches = Self.expand(absolutePattern).filter { FileStatus.of($0)?.isRegularFile == true }
    guard !matches.isEmpty else { throw CacheError.noFilesMatch(pattern: pattern) }
    let hashes = try hash(files: matches)
    let prefix = root.hasSuffix("/") ? root : root + "/"
    return TreeHash(
      zip(matches, hashes).map { path, sha in
        TreeHash.FileHash(path: path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path, sha256: sha)
      })
  }

  // MARK: - Memo file

  /// What was true of a file when it was hashed.
  struct Stamp: Codable, Equatable {
    var size: Int64
    var mtimeNanoseconds: Int64
    var inode: UInt64
    var sha256: String

    init(_ status: FileStatus, sha256: String) {
      size = status.size
      mtimeNanoseconds = status.mtimeNanoseconds
      inode = status.inode
      self.sha256 = sha256
    }

    func matches(_ status: FileStatus) -> Bool {
      size == status.size && mtimeNanoseconds == status.mtimeNanoseconds && inode == status.inode
    }

    enum CodingKeys: String, CodingKey {
      case size, inode, sha256
      case mtimeNanoseconds = "mtime_ns"
    }
  }

  struct MemoFile: Codable {
    static let currentFormatVersion = 1
    var formatVersion: Int
    var files: [String: Stamp]
    enum CodingKeys: String, CodingKey {
      case formatVersion = "format_version"
      case files
    }
  }

  private func loadedMemo() -> [String: Stamp] {
    if let memo { return memo }
    let loaded = Self.read(memoPath)
    memo = loaded
    return loaded
  }

  /// The memo on disk; a missing, corrupt or other-format file counts as empty.
  static func read(_ path: String) -> [String: Stamp] {
    guard let data = FileManager.default.contents(atPath: path),
      let file = try? JSONDecoder().decode(MemoFile.self, from: data),
      file.formatVersion == MemoFile.currentFormatVersion
    else { return [:] }
    return file.files
  }

  /// Merges what this process learned into what is on disk now and replaces the file; a
  /// failure only costs a re-hash later, so it is not reported.
  private func save(_ learned: [String: Stamp]) {
    var merged = Self.read(memoPath)
    merged.merge(learned) { _, new in new }
    memo = merged
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(MemoFile(formatVersion: MemoFile.currentFormatVersion, files: merged)) else {
      return
    }
    try? AtomicFile.write(data, to: memoPath)
  }

  // MARK: - Globbing

  private static func escapeGlob(_ text: String) -> String {
    var out = ""
    for c in text {
      if "*?[]\\".contains(c) { out.append("\\") }
      out.append(c)
    }
    return out
  }

  /// Paths matching `pattern`, sorted.
  private static func expand(_ pattern: String) -> [String] {
    var matches = glob_t()
    defer { globfree(&matches) }
    guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
    var paths: [String] = []
    for i in 0..<Int(matches.gl_pathc) {
      if let p = matches.gl_pathv[i] { paths.append(String(cString: p)) }
    }
    return paths.sorted()
  }
}
