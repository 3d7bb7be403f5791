import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A private folder where one write assembles its value files before they are published by a
/// single rename. Callers stream big values straight into `path(for:)`, so nothing is copied in
/// memory; every regular file left in the folder becomes a value file.
public struct StagingDirectory: Sendable {
  /// The folder itself (under the cache root's `tmp/` or a checkpoint's folder).
  public let path: String

  /// Where to write the value file `name` (a plain name such as `value.safetensors`).
  public func path(for name: String) throws -> String {
    try CacheKey.validateFileName(name)
    return path + "/" + name
  }

  public func url(for name: String) throws -> URL {
    URL(fileURLWithPath: try path(for: name))
  }

  // MARK: - Filling

  /// Writes each file whole and flushed.
  func write(_ files: [String: Data]) throws {
    for (name, data) in files { try AtomicFile.writeAndSync(data, to: path(for: name)) }
  }

  /// Moves each file in by rename, copying only when it lives on another file system.
  func move(_ files: [String: URL]) throws {
    for (name, source) in files {
      let destination = try path(for: name)
      if rename(source.path, destination) == 0 { continue }
      guard errno == EXDEV else { throw ioError("move", source.path) }
      do {
        try FileManager.default.copyItem(atPath: source.path, toPath: destination)
        try FileManager.default.removeItem(atPath: source.path)
      } catch {
        throw ioError("copy", source.path, EIO)
      }
    }
  }

  /// Flushes every staged file and records its size, SHA-256 and checksum; anything but regular
  /// files with valid names is refused.
  func seal() throws -> [String: Manifest.FileRecord] {
    var records: [String: Manifest.FileRecord] = [:]
    for name in directoryNames(path) {
      let file = path + "/" + name
      guard let status = FileStatus.of(file), status.isRegularFile else {
        throw CacheError.unexpectedStagedItem(path: file)
      }
      try CacheKey.validateFileName(name)
      try syncPath(file)
      let digests = try ContentHash.hexAndChecksumOfFile(atPath: file)
      records[name] = Manifest.FileRecord(size: status.size, sha256: digests.sha256, xxh64: digests.xxh64)
    }
    return records
  }
}

// MARK: - Scratch folders

/// Temporary folders are named `<purpose>-<pid>-<random>` so `gc` can tell whether their
/// owner is still running.
enum Scratch {
  /// Files in a scratch folder older than this are abandoned even if the pid was reused.
  static let maximumAge: TimeInterval = 3600

  /// Creates a fresh, empty scratch folder in `parent`.
  static func create(in parent: String, purpose: String) throws -> String {
    try makeDirectory(parent)
    let path = parent + "/\(purpose)-\(getpid())-\(uniqueSuffix())"
    guard mkdir(path, 0o755) == 0 else { throw ioError("create directory", path) }
    return path
  }

  /// The pid in a scratch folder's name, or nil when the name is not one of ours.
  static func ownerPID(_ name: String) -> Int32? {
    let parts = name.split(separator: "-")
    guard parts.count == 3 else { return nil }
    return Int32(parts[1])
  }

  /// A scratch folder is stale when its owner is gone or it has not changed for an hour;
  /// names that are not scratch names are stale too (nothing else belongs there).
  static func isStale(_ path: String, name: String, now: Date) -> Bool {
    guard let pid = ownerPID(name), processIsAlive(pid) else { return true }
    guard let status = FileStatus.of(path) else { return false }
    let modified = Date(timeIntervalSince1970: Double(status.mtimeNanoseconds) / 1e9)
    return now.timeIntervalSince(modified) > maximumAge
  }
}
