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
      if let problem = s.structuralProblem(excerptCount: configuration.excerptCount) {
        throw UserError("checkpoint is damaged: layer \(s.layer) \(problem)")
      }
    }
  }
}

extension LayerState {
  /// The first way in which this state could not have come from consuming `consumed` excerpts,
  /// or nil. Checks everything the kernels and `finish` use as a count, a slot or an excerpt id
  /// (so a restored state can never make them read or write out of bounds), and the invariants
  /// that tie the derived fields (worst slots, floors, ceilings, sketch blocks) to what they
  /// summarise (so a state that passes resumes exactly as the one saved would have).
  func structuralProblem(excerptCount: Int) -> String? {
    let seen = consumed
    let maxKept = { (k: Int) in Int32(Swift.min(k, seen)) }
    func validID(_ e: Int) -> Bool { e >= 0 && e < excerptCount }
    for j in 0..<neurons {
      // Top excerpts.
      let tc = topCount[j]
      guard tc >= 0 && tc <= maxKept(top) else {
        return "neuron \(j) has top.count \(tc), outside 0...\(maxKept(top)) after \(seen) excerpts"
      }
      let tw = Int(topWorst[j])
      guard tw >= 0 && tw < top else { return "neuron \(j) has top.worst \(tw), outside 0..<\(top)" }
      for slot in 0..<Int(tc) where !validID(Int(topID[j * top + slot])) {
        return "neuron \(j) keeps top excerpt id \(topID[j * top + slot]), outside 0..<\(excerptCount)"
      }
      if Int(tc) == top {
        guard topFloor[j].bitPattern == topMax[j * top + tw].bitPattern, topFloorID[j] == topID[j * top + tw] else {
          return "neuron \(j) has a top.floor that is not its worst slot's"
        }
      } else if topFloor[j] != -.infinity || topFloorID[j] != .max {
        return "neuron \(j) has a top.floor while slots are free"
      }
      // Random sample.
      let rc = randomCount[j]
      guard rc >= 0 && rc <= maxKept(random) else {
        return "neuron \(j) has random.count \(rc), outside 0...\(maxKept(random)) after \(seen) excerpts"
      }
      let rw = Int(randomWorst[j])
      guard rw >= 0 && rw < Swift.max(random, 1) else { return "neuron \(j) has random.worst \(rw), outside 0..<\(random)" }
      for slot in 0..<Int(rc) where !validID(ExcerptHash.excerpt(ofKey: randomKey[j * random + slot])) {
        return "neuron \(j) keeps a random excerpt id outside 0..<\(excerptCount)"
      }
      if random > 0 && Int(rc) == random {
        guard randomCeiling[j] == randomKey[j * random + rw] else {
          return "neuron \(j) has a random.ceiling that is not its worst slot's"
        }
      } else if randomCeiling[j] != .max {
        return "neuron \(j) has a random.ceiling while slots are free"
      }
      // Quantile candidates.
      for b in 0..<buckets {
        let bucket = j * buckets + b
        let qc = quantileCount[bucket]
        guard qc >= 0 && qc <= maxKept(candidates) else {
          return "neuron \(j) bucket \(b) has quantile.count \(qc), outside 0...\(maxKept(candidates))"
        }
        for slot in 0..<Int(qc) where !validID(ExcerptHash.excerpt(ofKey: quantileKey[bucket * candidates + slot])) {
          return "neuron \(j) bucket \(b) keeps a candidate excerpt id outside 0..<\(excerptCount)"
        }
      }
      // Sketch: one count per excerpt, block sums that match the bins, a window in range.
      let flags = sketchFlags[j]
      guard flags >= 0 && flags <= MaxSketch.nonEmpty | MaxSketch.collapsed, (flags & MaxSketch.nonEmpty != 0) == (seen > 0)
      else { return "neuron \(j) has sketch.flags \(flags) after \(seen) excerpts" }
      // Bin indices lie within about ±1e6 (`MaxSketch.index`); the window start stays near them.
      let lo = sketchLo[j]
      guard lo > -4_000_000 && lo < 4_000_000 else { return "neuron \(j) has sketch.lo \(lo) out of range" }
      var total = 0
      for block in 0..<MaxSketch.blockCount {
        var sum = 0
        for s in (block * MaxSketch.blockSize)..<((block + 1) * MaxSketch.blockSize) {
          sum += Int(sketchBins[j * MaxSketch.binCount + s])
        }
        guard sum == Int(sketchBlocks[j * MaxSketch.blockCount + block]) else {
          return "neuron \(j) has sketch.blocks that do not sum its bins"
        }
        total += sum
      }
      guard total == seen else { return "neuron \(j) has \(total) sketch counts after \(seen) excerpts" }
    }
    return nil
  }
}
