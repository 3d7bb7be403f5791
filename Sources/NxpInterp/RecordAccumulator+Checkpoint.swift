import Foundation
import NxpCore

/// Checkpoints: the accumulator's complete state as named byte blobs, restorable bit for bit.
///
/// Part `meta` is JSON with the format version, the configuration and the progress; every other
/// part is one state buffer of one layer (`layer.<l>.<buffer>`), stored as its raw in-memory
/// bytes (little-endian on every platform nxp runs on). A checkpoint is only accepted by an
/// accumulator with the same configuration, and a damaged one is rejected rather than trusted.
extension RecordAccumulator {
  public static let checkpointFormatVersion = 1

  struct CheckpointMeta: Codable {
    var format: String
    var version: Int
    var configuration: RecordConfiguration
    var consumed: [Int]
  }

  /// Hands each part to `body` in turn without copying the large buffers, for callers that stream
  /// them to disk.
  public func writeCheckpoint(_ body: (_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> Void) throws {
    let meta = CheckpointMeta(
      format: "nxp.record-checkpoint", version: RecordAccumulator.checkpointFormatVersion,
      configuration: configuration, consumed: states.map(\.consumed))
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = try encoder.encode(meta)
    try json.withUnsafeBytes { try body("meta", $0) }
    for s in states {
      for (name, buffer) in s.namedBuffers { try body("layer.\(s.layer).\(name)", buffer.bytes) }
    }
  }

  /// The state as named blobs; `RecordAccumulator(checkpoint:)` restores it.
  public func checkpoint() -> [String: Data] {
    var parts: [String: Data] = [:]
    try! writeCheckpoint { name, bytes in parts[name] = Data(bytes) }
    return parts
  }

  /// Restores a checkpoint. With `expecting`, also checks that it was made for that
  /// configuration and throws a `UserError` naming the options that differ.
  public convenience init(checkpoint parts: [String: Data], expecting: RecordConfiguration? = nil) throws {
    guard let metaData = parts["meta"] else { throw UserError("checkpoint is damaged: it has no 'meta' part") }
    guard let meta = try? JSONDecoder().decode(CheckpointMeta.self, from: metaData),
      meta.format == "nxp.record-checkpoint"
    else { throw UserError("not a record checkpoint (its 'meta' part cannot be read)") }
    guard meta.version == RecordAccumulator.checkpointFormatVersion else {
      throw UserError(
        "record checkpoint has format version \(meta.version), this nxp writes version "
          + "\(RecordAccumulator.checkpointFormatVersion); delete it to record from the start")
    }
    if let expecting {
      let diffs = meta.configuration.differences(from: expecting)
      guard diffs.isEmpty else {
        let list = diffs.map { "\($0.name) \($0.mine) in the checkpoint, \($0.theirs) now" }.joined(separator: "; ")
        throw UserError(
          "record checkpoint was made with other options (\(list)); delete it or record with the same options")
      }
    }
    try self.init(meta.configuration)
    guard meta.consumed.count == states.count else {
      throw UserError("checkpoint is damaged: progress for \(meta.consumed.count) layers, expected \(states.count)")
    }
    let expectedNames = Set(["meta"] + states.flatMap { s in s.namedBuffers.map { "layer.\(s.layer).\($0.0)" } })
    if let unknown = Set(parts.keys).subtracting(expectedNames).sorted().first {
      throw UserError("checkpoint is damaged: unexpected part '\(unknown)'")
    }
    for (s, consumed) in zip(states, meta.consumed) {
      guard consumed >= 0 && consumed <= configuration.excerptCount else {
        throw UserError(
          "checkpoint is damaged: layer \(s.layer) progress \(consumed) is outside 0...\(configuration.excerptCount)")
      }
      s.consumed = consumed
      for (name, buffer) in s.namedBuffers {
        let full = "layer.\(s.layer).\(name)"
        guard let data = parts[full] else { throw UserError("checkpoint is damaged: part '\(full)' is missing") }
        try buffer.load(data, name: full)
      }
    }
  }
}
