import Foundation
import NxpCore

/// The file that marks a folder as an nxp cache, `nxp-cache.json` at its root.
///
/// Commands that delete or rewrite (`nxp cache gc`, `verify`) and list (`ls`, `info`) refuse a
/// folder without it, so pointing `--cache` at the wrong folder never deletes anything there.
/// Writes create it: in a folder that does not exist yet, is empty, or holds only what an nxp
/// cache holds (a cache made before the marker existed). A folder with anything else in it is
/// never marked.
public enum CacheMarker {
  public static let fileName = "nxp-cache.json"
  /// The layout version of the cache folder.
  public static let currentVersion = 1
  /// What a cache folder holds (see `CacheStore`); a folder with only these names is one.
  static let layoutNames: Set<String> = ["objects", "tmp", "partial", "runs", "file-hashes.json", fileName]

  struct Contents: Codable {
    var format: String
    var version: Int
  }

  static func data() -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var d = (try? encoder.encode(Contents(format: "nxp-cache", version: currentVersion))) ?? Data()
    d.append(UInt8(ascii: "\n"))
    return d
  }
}

extension CacheStore {
  var markerPath: String { root + "/" + CacheMarker.fileName }

  /// Creates the root and its marker before the first write, unless the folder already holds
  /// something that is not part of an nxp cache (then it stays unmarked and the cache commands
  /// keep refusing it). Failures are left to the write that follows.
  public func prepareForWriting() {
    if FileStatus.of(markerPath)?.isRegularFile == true { return }
    let foreign = directoryNames(root).contains { !CacheMarker.layoutNames.contains($0) && !$0.hasPrefix(".tmp-") }
    guard !foreign else { return }
    try? makeDirectory(root)
    try? AtomicFile.write(CacheMarker.data(), to: markerPath)
  }

  /// Whether `root` is an nxp cache: it has a marker of a version this build knows, or it does
  /// not exist at all (an empty cache). Throws `CacheError.notACache` saying what is missing.
  public func checkMarker() throws {
    guard let status = FileStatus.of(root) else { return }
    guard status.isDirectory else { throw CacheError.notACache(root: root, reason: "it is not a folder") }
    guard let data = FileManager.default.contents(atPath: markerPath) else {
      throw CacheError.notACache(root: root, reason: "it has no \(CacheMarker.fileName) marker")
    }
    guard let contents = try? JSONDecoder().decode(CacheMarker.Contents.self, from: data), contents.format == "nxp-cache" else {
      throw CacheError.notACache(root: root, reason: "its \(CacheMarker.fileName) is not an nxp cache marker")
    }
    guard contents.version == CacheMarker.currentVersion else {
      throw CacheError.notACache(
        root: root, reason: "its marker says cache format \(contents.version), this nxp uses \(CacheMarker.currentVersion)")
    }
  }
}
