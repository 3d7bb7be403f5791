import Foundation
import NxpCore

/// A trusted entry: its manifest and the paths of its value files.
public struct CacheEntry: Sendable, Equatable {
  public let key: String
  public let manifest: Manifest
  /// The entry's folder, `root/objects/3f/3fa9…`.
  public let directory: String

  /// The path of the value file `name`, or nil when the entry has no such file.
  public func path(_ name: String) -> String? {
    manifest.files[name] == nil ? nil : directory + "/" + name
  }

  /// Paths of all value files by name.
  public var files: [String: String] {
    Dictionary(uniqueKeysWithValues: manifest.files.keys.map { ($0, directory + "/" + $0) })
  }
}

/// Why an entry on disk is not trusted.
public enum EntryProblem: Equatable, Sendable, CustomStringConvertible {
  case unreadableManifest(String)
  case formatVersion(found: Int)
  case keyMismatch(found: String)
  case missingFile(String)
  case sizeMismatch(file: String, expected: Int64, found: Int64)
  case hashMismatch(file: String)
  case checksumMismatch(file: String)

  public var description: String {
    switch self {
    case .unreadableManifest(let why): return "manifest unreadable: \(why)"
    case .formatVersion(let found):
      return "format version \(found), expected \(Manifest.currentFormatVersion)"
    case .keyMismatch(let found): return "manifest names key \(found)"
    case .missingFile(let name): return "value file \(name) is missing"
    case .sizeMismatch(let name, let expected, let found):
      return "value file \(name) has \(found) bytes, expected \(expected)"
    case .hashMismatch(let name): return "value file \(name) does not match its SHA-256"
    case .checksumMismatch(let name): return "value file \(name) does not match its checksum (it changed on disk)"
    }
  }
}

// MARK: - Trust rule

extension CacheEntry {
  /// The outcome of checking an entry folder.
  enum Check {
    case absent
    case trusted(CacheEntry)
    case untrusted(EntryProblem)
  }

  /// How much of an entry to examine.
  enum Depth: Comparable {
    /// Manifest, files present with their recorded sizes: for existence checks (`plan`).
    case sizes
    /// Also every file's XXH64 checksum: before a value is read.
    case checksums
    /// Also every file's SHA-256: `nxp cache verify`.
    case full
  }

  /// An entry is trusted when its manifest parses, has the current format version and key, and
  /// every listed file exists with its recorded size; deeper checks also compare contents.
  static func check(key: String, directory: String, rehash: Bool) -> Check {
    check(key: key, directory: directory, depth: rehash ? .full : .sizes)
  }

  static func check(key: String, directory: String, depth: Depth) -> Check {
    guard FileStatus.of(directory)?.isDirectory == true else { return .absent }
    let manifestPath = directory + "/" + CacheStore.manifestName
    guard let data = FileManager.default.contents(atPath: manifestPath) else {
      return .untrusted(.unreadableManifest("no \(CacheStore.manifestName)"))
    }
    guard let probe = try? JSONDecoder().decode(Manifest.VersionProbe.self, from: data) else {
      return .untrusted(.unreadableManifest("not a manifest"))
    }
    guard probe.formatVersion == Manifest.currentFormatVersion else {
      return .untrusted(.formatVersion(found: probe.formatVersion))
    }
    let manifest: Manifest
    do {
      manifest = try Manifest.decode(data)
    } catch {
      return .untrusted(.unreadableManifest(String(describing: error)))
    }
    guard manifest.key == key else { return .untrusted(.keyMismatch(found: manifest.key)) }
    for name in manifest.files.keys.sorted() {
      let record = manifest.files[name]!
      let path = directory + "/" + name
      guard (try? CacheKey.validateFileName(name)) != nil, let status = FileStatus.of(path), status.isRegularFile
      else { return .untrusted(.missingFile(name)) }
      guard status.size == record.size else {
        return .untrusted(.sizeMismatch(file: name, expected: record.size, found: status.size))
      }
      switch depth {
      case .sizes: break
      case .checksums:
        guard (try? XXH64.hexOfFile(atPath: path)) == record.xxh64 else { return .untrusted(.checksumMismatch(file: name)) }
      case .full:
        let digests = try? ContentHash.hexAndChecksumOfFile(atPath: path)
        guard digests?.sha256 == record.sha256 else { return .untrusted(.hashMismatch(file: name)) }
        guard digests?.xxh64 == record.xxh64 else { return .untrusted(.checksumMismatch(file: name)) }
      }
    }
    return .trusted(CacheEntry(key: key, manifest: manifest, directory: directory))
  }
}
