import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A saved stage of a long computation (record over many batches, explain over many neurons).
public struct Checkpoint: Sendable, Equatable {
  /// The caller's progress counter (batches or neurons done).
  public let step: Int
  public let info: [String: ManifestValue]
  public let created: Date
  /// The checkpoint's folder; its files stay valid until the next `save` or `clear`.
  public let directory: String
  /// Size and SHA-256 of each file, by name.
  public let records: [String: Manifest.FileRecord]

  /// The path of the file `name`, or nil when the checkpoint has no such file.
  public func path(_ name: String) -> String? {
    records[name] == nil ? nil : directory + "/" + name
  }
}

/// The checkpoints of one key's computation, under `root/partial/<key>/`.
///
/// Opening one takes the computation's lock, so one process (or thread) at a time works on a
/// key; another gets `CacheError.busy` with the owner's pid, and a lock left by a killed process
/// is taken over. Each `save` writes a new numbered folder beside the previous one and only then
/// deletes the older: a save killed at any point leaves the previous checkpoint usable.
///
/// Layout: `lock` (holds the owner's pid), `ckpt-000000000007/` (files and `manifest.json`),
/// `tmp-<pid>-<random>/` (a save in progress).
public final class CheckpointStore {
  public let key: String
  /// `root/partial/<key>`.
  public let directory: String
  private let store: CacheStore
  private var lock: ProcessLock?

  /// Takes the computation of `key`, polling up to `wait` seconds while another owner holds it.
  public init(store: CacheStore, key: String, wait: TimeInterval = 0) throws {
    try CacheKey.validate(key)
    self.store = store
    self.key = key
    self.directory = store.partialPath + "/" + key
    store.prepareForWriting()
    self.lock = try ProcessLock.acquire(directory + "/lock", key: key, wait: wait)
  }

  // MARK: - Reading

  /// The newest sound checkpoint, or nil when there is none. A damaged one (a file missing, of
  /// another size or whose contents changed since it was saved, per its checksum) is deleted,
  /// with a warning to `reporter`, and the one before it is tried; one from another format of
  /// nxp is deleted quietly.
  public func load(reporter: Reporter? = nil) throws -> Checkpoint? {
    try ensureOpen()
    for (_, name) in checkpointFolders().reversed() {
      let folder = directory + "/" + name
      switch Self.check(folder, key: key) {
      case .success(let checkpoint): return checkpoint
      case .failure(let problem):
        if !problem.isOtherFormat {
          reporter?.warning("discarded a damaged checkpoint of \(key.prefix(12)) (\(problem)); its work will be redone")
        }
        removeTree(folder)
      }
    }
    return nil
  }

  // MARK: - Writing

  /// Saves in-memory files as the new checkpoint.
  public func save(step: Int, files: [String: Data], info: [String: ManifestValue] = [:]) throws {
    try save(step: step, info: info) { try $0.write(files) }
  }

  /// Saves files that `write` streams into a staging folder as the new checkpoint. If `write`
  /// throws, the previous checkpoint stays and the error is rethrown.
  public func save(
    step: Int, info: [String: ManifestValue] = [:], writing write: (StagingDirectory) throws -> Void
  ) throws {
    try ensureOpen()
    let stagingPath = try Scratch.create(in: directory, purpose: "tmp")
    var published = false
    defer { if !published { removeTree(stagingPath) } }

    let staging = StagingDirectory(path: stagingPath)
    try write(staging)
    let record = Record(
      formatVersion: Record.currentFormatVersion, key: key, step: step, created: Manifest.now(),
      files: try staging.seal(), info: info)
    try AtomicFile.writeAndSync(try record.encoded(), to: stagingPath + "/" + CacheStore.manifestName)
    try syncPath(stagingPath)

    let folders = checkpointFolders()
    let next = (folders.last?.sequence ?? 0) + 1
    let destination = directory + "/" + String(format: "ckpt-%012d", next)
    guard rename(stagingPath, destination) == 0 else { throw ioError("publish checkpoint", destination) }
    published = true
    try syncPath(directory)
    // Only now is the older checkpoint redundant.
    for (_, name) in folders { removeTree(directory + "/" + name) }
    removeAbandonedSaves()
  }

  /// Deletes every checkpoint and the lock, once the final value is in the store. The store can
  /// no longer be used afterwards.
  public func clear() throws {
    try ensureOpen()
    // One rename takes the whole folder away, lock file included; a waiting process then finds
    // the lock file gone and creates a fresh one.
    let trash = try Scratch.create(in: store.tmpPath, purpose: "discard")
    defer { removeTree(trash) }
    guard rename(directory, trash + "/partial") == 0 else { throw ioError("remove checkpoints", directory) }
    close()
  }

  /// Releases the lock and keeps the checkpoints for a later run.
  public func close() {
    lock?.release()
    lock = nil
  }

  // MARK: - Internals

  private func ensureOpen() throws {
    guard lock != nil else { throw ioError("use checkpoints (already closed)", directory, EBADF) }
  }

  /// Complete checkpoint folders by ascending sequence number.
  private func checkpointFolders() -> [(sequence: Int, name: String)] {
    directoryNames(directory).compactMap { name in
      guard name.hasPrefix("ckpt-"), let n = Int(name.dropFirst(5)) else { return nil }
      return (n, name)
    }.sorted { $0.sequence < $1.sequence }
  }

  /// Staging folders of saves that were killed (we hold the lock, so none of them is running).
  private func removeAbandonedSaves() {
    for name in directoryNames(directory) where name.hasPrefix("tmp-") {
      removeTree(directory + "/" + name)
    }
  }

  /// Why a checkpoint folder is not used.
  struct Problem: Error, CustomStringConvertible {
    var description: String
    var isOtherFormat = false
  }

  /// A checkpoint folder is sound when its manifest parses, names this key and the current
  /// format, and every file has its recorded size and checksum.
  static func check(_ folder: String, key: String) -> Result<Checkpoint, Problem> {
    guard let data = FileManager.default.contents(atPath: folder + "/" + CacheStore.manifestName) else {
      return .failure(Problem(description: "no \(CacheStore.manifestName)"))
    }
    if let probe = try? JSONDecoder().decode(Manifest.VersionProbe.self, from: data),
      probe.formatVersion != Record.currentFormatVersion
    {
      return .failure(Problem(description: "format version \(probe.formatVersion)", isOtherFormat: true))
    }
    guard let record = try? Record.decode(data), record.formatVersion == Record.currentFormatVersion else {
      return .failure(Problem(description: "its manifest cannot be read"))
    }
    guard record.key == key else { return .failure(Problem(description: "its manifest names key \(record.key)")) }
    for (name, file) in record.files.sorted(by: { $0.key < $1.key }) {
      let path = folder + "/" + name
      guard (try? CacheKey.validateFileName(name)) != nil, let status = FileStatus.of(path), status.isRegularFile else {
        return .failure(Problem(description: "part \(name) is missing"))
      }
      guard status.size == file.size else {
        return .failure(Problem(description: "part \(name) has \(status.size) bytes, expected \(file.size)"))
      }
      guard (try? XXH64.hexOfFile(atPath: path)) == file.xxh64 else {
        return .failure(Problem(description: "part \(name) does not match its checksum"))
      }
    }
    return .success(
      Checkpoint(step: record.step, info: record.info, created: record.created, directory: folder, records: record.files))
  }

  /// Removes the checkpoints of `key` unless a live process holds their lock; returns the bytes
  /// freed, or nil when they are in use.
  static func removeIfIdle(store: CacheStore, key: String) -> Int64? {
    let folder = store.partialPath + "/" + key
    guard case .acquired(let lock)? = try? ProcessLock.attempt(folder + "/lock") else { return nil }
    defer { lock.release() }
    let size = treeSize(folder)
    guard let trash = try? Scratch.create(in: store.tmpPath, purpose: "discard") else { return nil }
    defer { removeTree(trash) }
    return rename(folder, trash + "/partial") == 0 ? size : nil
  }

  // MARK: - Record

  /// The `manifest.json` of a checkpoint folder.
  struct Record: Codable {
    /// 2: file records carry XXH64 checksums.
    static let currentFormatVersion = 2
    var formatVersion: Int
    var key: String
    var step: Int
    var created: Date
    var files: [String: Manifest.FileRecord]
    var info: [String: ManifestValue]

    enum CodingKeys: String, CodingKey {
      case formatVersion = "format_version"
      case key, step, created, files, info
    }

    func encoded() throws -> Data {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      encoder.dateEncodingStrategy = .iso8601
      return try encoder.encode(self)
    }

    static func decode(_ data: Data) throws -> Record {
      let decoder = JSONDecoder()
      decoder.dateDecodingStrategy = .iso8601
      return try decoder.decode(Record.self, from: data)
    }
  }
}
