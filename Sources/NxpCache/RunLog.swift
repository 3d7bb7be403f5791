import Foundation
import NxpCore

/// The last key of each binding of each script (like `dvc.lock`), so `:why x` can compare the
/// key `x` has now with the one it had on the previous run.
///
/// One JSON file per script under `root/runs/`, named by the SHA-256 of the script's absolute
/// path and replaced atomically.
public struct RunLog: Sendable {
  public let directory: String
  private let store: CacheStore

  public init(store: CacheStore) {
    self.store = store
    directory = store.runsPath
  }

  /// Records the keys of `bindings` (binding name → key), keeping the last keys of bindings this
  /// run did not evaluate.
  public func record(script: String, bindings: [String: String]) throws {
    for key in bindings.values { try CacheKey.validate(key) }
    store.prepareForWriting()
    let scriptPath = canonicalPath(script)
    var record =
      read(scriptPath)
      ?? Record(formatVersion: Record.currentFormatVersion, script: scriptPath, updated: Date(), bindings: [:])
    record.bindings.merge(bindings) { _, new in new }
    record.updated = Date()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    try AtomicFile.write(try encoder.encode(record), to: path(forScript: scriptPath))
  }

  /// The last recorded key of each binding of `script`; empty when it never ran (or its record
  /// is unreadable).
  public func lastKeys(script: String) -> [String: String] {
    read(canonicalPath(script))?.bindings ?? [:]
  }

  /// Every script with a record, by absolute path (for `cache gc`, which keeps what they reach).
  public func scripts() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return names.filter { $0.hasSuffix(".json") }.compactMap { name in
      guard let data = FileManager.default.contents(atPath: directory + "/" + name),
        let record = try? decoder.decode(Record.self, from: data),
        record.formatVersion == Record.currentFormatVersion
      else { return nil }
      return record.script
    }.sorted()
  }

  // MARK: - Record file

  struct Record: Codable {
    static let currentFormatVersion = 1
    var formatVersion: Int
    var script: String
    var updated: Date
    var bindings: [String: String]
    enum CodingKeys: String, CodingKey {
      case formatVersion = "format_version"
      case script, updated, bindings
    }
  }

  func path(forScript canonical: String) -> String {
    directory + "/" + ContentHash.hex(canonical) + ".json"
  }

  private func read(_ canonical: String) -> Record? {
    guard let data = FileManager.default.contents(atPath: path(forScript: canonical)) else { return nil }
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    guard let record = try? decoder.decode(Record.self, from: data),
      record.formatVersion == Record.currentFormatVersion, record.script == canonical
    else { return nil }
    return record
  }
}
