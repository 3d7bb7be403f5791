import Foundation
import NxpCore
import NxpInterp
import Testing

/// A checkpoint whose bytes pass every checksum but whose contents could not come from a
/// recording (a count beyond its slots, an excerpt id outside the excerpts, a sketch whose counts
/// do not add up) is refused with an error naming the layer and field, never restored into a
/// state the kernels would index out of bounds with.
@Suite struct CheckpointStructureTests {
  static let configuration = RecordAccumulatorTests.configuration
  static let data = RecordAccumulatorTests.data

  static func checkpoint(after excerpts: Int) throws -> [String: Data] {
    let acc = try RecordAccumulator(configuration)
    if excerpts > 0 { try acc.consume(data.batch(0..<excerpts), excerptIDs: Array(0..<excerpts)) }
    return acc.checkpoint()
  }

  /// Overwrites element `index` of a part with `value`'s bytes.
  static func overwrite<T: BitwiseCopyable>(_ parts: inout [String: Data], _ name: String, at index: Int, with value: T) {
    var data = parts[name]!
    withUnsafeBytes(of: value) { data.replaceSubrange((index * $0.count)..<((index + 1) * $0.count), with: $0) }
    parts[name] = data
  }

  static func read<T: BitwiseCopyable>(_ parts: [String: Data], _ name: String, at index: Int, as: T.Type) -> T {
    parts[name]!.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.stride, as: T.self) }
  }

  @Test(arguments: [0, 1, 176, 400])
  func soundCheckpointsRestore(after excerpts: Int) throws {
    let parts = try Self.checkpoint(after: excerpts)
    let restored = try RecordAccumulator(checkpoint: parts, expecting: Self.configuration)
    #expect(restored.excerptsConsumed == excerpts)
    #expect(restored.checkpoint() == parts)
  }

  /// The reported crash: `layer.6.top.count` overwritten in a record checkpoint.
  @Test func anImpossibleTopCountIsAnError() throws {
    var parts = try Self.checkpoint(after: 176)
    Self.overwrite(&parts, "layer.5.top.count", at: 3, with: Int32(0x7FFF_FFFF))
    let error = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts, expecting: Self.configuration) }
    #expect(error?.message == "checkpoint is damaged: layer 5 neuron 3 has top.count 2147483647, outside 0...8 after 176 excerpts")
  }

  /// One field broken at a time; each must be refused with its own message.
  @Test(
    arguments: [
      ("layer.0.top.count", -1, "neuron 7 has top.count -1, outside 0...8 after 176 excerpts"),
      ("layer.0.top.worst", 8, "neuron 7 has top.worst 8, outside 0..<8"),
      ("layer.0.random.count", 7, "neuron 7 has random.count 7, outside 0...6 after 176 excerpts"),
      ("layer.0.random.worst", -3, "neuron 7 has random.worst -3, outside 0..<6"),
      ("layer.0.sketch.lo", Int32.min, "neuron 7 has sketch.lo -2147483648 out of range"),
      ("layer.0.sketch.flags", 8, "neuron 7 has sketch.flags 8 after 176 excerpts"),
    ] as [(String, Int32, String)])
  func impossibleCountsAndSlotsAreErrors(field: String, value: Int32, message: String) throws {
    var parts = try Self.checkpoint(after: 176)
    Self.overwrite(&parts, field, at: 7, with: value)
    let error = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(error?.message == "checkpoint is damaged: layer 0 " + message)
  }

  @Test func excerptIDsOutsideTheExcerptsAreErrors() throws {
    var parts = try Self.checkpoint(after: 176)
    Self.overwrite(&parts, "layer.0.top.id", at: 2 * 8 + 1, with: Int32(400))
    #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }

    parts = try Self.checkpoint(after: 176)
    let key = Self.read(parts, "layer.0.random.key", at: 5, as: UInt64.self)
    Self.overwrite(&parts, "layer.0.random.key", at: 5, with: (key & 0xFFFF_FFFF_0000_0000) | 123_456)
    let random = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(random?.message == "checkpoint is damaged: layer 0 neuron 0 keeps a random excerpt id outside 0..<400")

    parts = try Self.checkpoint(after: 176)
    let count = Self.read(parts, "layer.5.quantile.count", at: 0, as: Int32.self)
    #expect(count > 0)
    Self.overwrite(&parts, "layer.5.quantile.count", at: 0, with: Int32(9999))
    let quantile = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(quantile?.message == "checkpoint is damaged: layer 5 neuron 0 bucket 0 has quantile.count 9999, outside 0...12")
  }

  @Test func derivedFieldsMustMatchWhatTheySummarise() throws {
    var parts = try Self.checkpoint(after: 176)
    let floor = Self.read(parts, "layer.0.top.floor", at: 4, as: Float.self)
    Self.overwrite(&parts, "layer.0.top.floor", at: 4, with: floor + 1)
    let top = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(top?.message == "checkpoint is damaged: layer 0 neuron 4 has a top.floor that is not its worst slot's")

    parts = try Self.checkpoint(after: 176)
    let bin = Self.read(parts, "layer.5.sketch.bins", at: 1024 + 600, as: UInt32.self)
    Self.overwrite(&parts, "layer.5.sketch.bins", at: 1024 + 600, with: bin + 1)
    let sketch = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(sketch?.message == "checkpoint is damaged: layer 5 neuron 1 has sketch.blocks that do not sum its bins")
  }

  /// The driver, told to, reports an unusable checkpoint and records from the start instead.
  @Test func theRecorderCanDiscardAnUnusableCheckpointAndRedoTheWork() throws {
    var parts = try Self.checkpoint(after: 176)
    Self.overwrite(&parts, "layer.5.top.count", at: 3, with: Int32(0x7FFF_FFFF))
    var discarded: [String] = []
    var asked: [Range<Int>] = []
    let records = try recordNeurons(
      configuration: Self.configuration, batchSize: 100, resumingFrom: parts,
      feed: { range, acc in
        asked.append(range)
        try acc.consume(Self.data.batch(range), excerptIDs: Array(range))
      },
      saveCheckpoint: { _, _ in },
      discardingUnusableCheckpoint: { discarded.append("\($0)") })
    #expect(discarded.count == 1 && discarded[0].contains("layer 5 neuron 3 has top.count 2147483647"))
    #expect(asked.first == 0..<100)
    #expect(records == (try RecorderTests.direct()))
    // Without it, the damage is an error as before.
    #expect(throws: UserError.self) {
      try recordNeurons(
        configuration: Self.configuration, batchSize: 100, resumingFrom: parts, feed: { _, _ in }, saveCheckpoint: { _, _ in })
    }
  }
}
