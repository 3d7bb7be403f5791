import Foundation
import NxpCore
import NxpTestSupport

@testable import NxpCache

/// A fresh store in a temporary folder, removed with the fixture, and the values tests put in it.
final class CacheFixture: Sendable {
  let store: CacheStore

  init(_ label: String = "nxp-cache") throws {
    store = CacheStore(root: try TestEnvironment.temporaryDirectory(label) + "/cache")
  }

  deinit { try? FileManager.default.removeItem(atPath: folder) }

  /// The folder that holds the store, for files beside it.
  var folder: String { (store.root as NSString).deletingLastPathComponent }

  /// A valid key derived from a label, so tests can name keys readably.
  static func key(_ label: String) -> String { ContentHash.hex(label) }

  static func manifest(_ primitive: String = "record", info: [String: ManifestValue] = [:]) -> Manifest {
    Manifest(
      primitive: primitive, primitiveVersion: 2, parameters: ["k": .int(10), "temperature": .double(0.5)],
      inputs: ["model": key("model")], fileHashes: ["corpus.txt": key("corpus")], nxpVersion: "0.1.0",
      wallTime: 1.25, info: info)
  }

  /// Names of the folders under the store's `tmp/`.
  var temporaryFolders: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: store.root + "/tmp")) ?? []).sorted()
  }

  /// Reads a whole file.
  static func contents(_ path: String?) -> Data? {
    path.flatMap { FileManager.default.contents(atPath: $0) }
  }
}

extension CacheFixture {
  /// A fresh folder outside any store, symlinks resolved so paths compare exactly.
  static func scratchFolder() throws -> String {
    canonicalPath(try TestEnvironment.temporaryDirectory("nxp-cache-scratch"))
  }

  /// A file beside the store (same file system), to be moved into it.
  static func scratchFile(in store: CacheStore, contents: Data) throws -> String {
    let path = (store.root as NSString).deletingLastPathComponent + "/outside-\(UUID().uuidString)"
    try contents.write(to: URL(fileURLWithPath: path))
    return path
  }
}

/// Deterministic bulky values: chunk `j` of value `i` is a run of one byte.
enum Pattern {
  static let chunkSize = 64 << 10

  static func chunk(_ value: Int, _ j: Int) -> Data {
    Data(repeating: UInt8(truncatingIfNeeded: value &* 31 &+ j &* 7 &+ 1), count: chunkSize)
  }

  static func value(_ value: Int, chunks: Int) -> Data {
    var data = Data()
    for j in 0..<chunks { data.append(chunk(value, j)) }
    return data
  }

  /// Writes value `i` chunk by chunk to `path`, pausing between chunks so a kill can land mid-write.
  static func writeSlowly(_ i: Int, chunks: Int, to path: String, pauseMicroseconds: UInt32) throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw CacheError.io(operation: "open", path: path, code: EIO)
    }
    defer { try? handle.close() }
    for j in 0..<chunks {
      try handle.write(contentsOf: chunk(i, j))
      usleep(pauseMicroseconds)
    }
  }
}
