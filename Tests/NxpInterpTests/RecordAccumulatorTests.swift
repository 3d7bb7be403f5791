import Foundation
import NxpCore
import NxpInterp
import Testing

/// Properties of the accumulator that need no reference: resuming, batching, memory, storage.
@Suite struct RecordAccumulatorTests {
  static let configuration = RecordConfiguration(
    layers: [0, 5], neuronsPerLayer: 24, tokensPerExcerpt: 8, excerptCount: 400, top: 8, random: 6, perQuantile: 3,
    seed: 42)
  static let data = SyntheticActivations(layers: [0, 5], excerpts: 400, tokens: 8, neurons: 24, seed: 3)

  func feed(_ acc: RecordAccumulator, _ range: Range<Int>, batch: Int) throws {
    var start = range.lowerBound
    while start < range.upperBound {
      let end = min(range.upperBound, start + batch)
      try acc.consume(Self.data.batch(start..<end), excerptIDs: Array(start..<end))
      start = end
    }
  }

  func uninterrupted(batch: Int = 16) throws -> RecordAccumulator {
    let acc = try RecordAccumulator(Self.configuration)
    try feed(acc, 0..<400, batch: batch)
    return acc
  }

  // MARK: - Checkpoints

  @Test func resumingFromACheckpointIsBitIdentical() throws {
    let full = try uninterrupted()
    let first = try RecordAccumulator(Self.configuration)
    try feed(first, 0..<176, batch: 16)
    let saved = first.checkpoint()
    let resumed = try RecordAccumulator(checkpoint: saved, expecting: Self.configuration)
    #expect(resumed.excerptsConsumed == 176)
    try feed(resumed, 176..<400, batch: 16)
    #expect(resumed.finish() == full.finish())
    #expect(resumed.checkpoint() == full.checkpoint())
  }

  @Test func checkpointForOtherOptionsIsRejectedByName() throws {
    let acc = try RecordAccumulator(Self.configuration)
    try feed(acc, 0..<32, batch: 16)
    var other = Self.configuration
    other.top = 12
    other.seed = 7
    let error = #expect(throws: UserError.self) {
      try RecordAccumulator(checkpoint: acc.checkpoint(), expecting: other)
    }
    #expect(
      error?.message
        == "record checkpoint was made with other options (top 8 in the checkpoint, 12 now; seed 42 in the checkpoint, "
        + "7 now); delete it or record with the same options")
  }

  @Test func damagedCheckpointsAreRejected() throws {
    let acc = try RecordAccumulator(Self.configuration)
    try feed(acc, 0..<32, batch: 16)
    var parts = acc.checkpoint()
    parts["layer.5.top.acts"] = parts["layer.5.top.acts"]!.dropLast(4)
    let short = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(short?.message.hasPrefix("checkpoint is damaged: part 'layer.5.top.acts' has") == true)

    parts = acc.checkpoint()
    parts["layer.0.sketch.bins"] = nil
    let missing = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(missing?.message == "checkpoint is damaged: part 'layer.0.sketch.bins' is missing")

    parts = acc.checkpoint()
    let meta = String(decoding: parts["meta"]!, as: UTF8.self).replacingOccurrences(
      of: "\"version\":1", with: "\"version\":99")
    parts["meta"] = Data(meta.utf8)
    let version = #expect(throws: UserError.self) { try RecordAccumulator(checkpoint: parts) }
    #expect(version?.message.hasPrefix("record checkpoint has format version 99, this nxp writes version 1") == true)
  }

  // MARK: - Batching

  @Test func resultsDoNotDependOnBatchBoundariesOrLayerByLayerFeeding() throws {
    let reference = try uninterrupted(batch: 16).finish()
    #expect(try uninterrupted(batch: 1).finish() == reference)
    #expect(try uninterrupted(batch: 53).finish() == reference)
    let perLayer = try RecordAccumulator(Self.configuration)
    for start in stride(from: 0, to: 400, by: 25) {
      for (li, layer) in Self.configuration.layers.enumerated() {
        try perLayer.consume(
          layer: layer, activations: Self.data.batch(li, start..<(start + 25)), excerptIDs: Array(start..<(start + 25)))
      }
    }
    #expect(perLayer.finish() == reference)
  }

  @Test func finishCanBeCalledMidwayWithoutChangingTheState() throws {
    let acc = try RecordAccumulator(Self.configuration)
    try feed(acc, 0..<200, batch: 16)
    let midway = acc.finish()
    #expect(midway.excerptsRecorded == 200)
    #expect(midway.layers[0].topIDs.allSatisfy { $0 >= 0 && $0 < 200 })
    try feed(acc, 200..<400, batch: 16)
    #expect(acc.finish() == (try uninterrupted()).finish())
  }

  @Test func finishingWhileReleasingTheStateGivesTheSameRecordsAndFreesIt() throws {
    let acc = try uninterrupted()
    let kept = acc.finish()
    let before = acc.stateBytes
    #expect(before == Self.configuration.stateBytesPerNeuron * Self.configuration.neuronCount)
    let released = acc.finishReleasingState()
    #expect(released == kept)
    #expect(released.excerptsRecorded == 400)
    // Only the empty per-layer shells are left.
    #expect(acc.stateBytes < 200)
    let again = #expect(throws: UserError.self) { try feed(acc, 0..<1, batch: 1) }
    #expect(again?.message == "record: this recording is finished; its state was freed")
  }

  @Test func badBatchesAreRejectedWithTheirShape() throws {
    let acc = try RecordAccumulator(Self.configuration)
    let wrong = #expect(throws: UserError.self) {
      try acc.consume(layer: 0, activations: [Float](repeating: 0, count: 10), excerptIDs: [0])
    }
    #expect(
      wrong?.message == "record: layer 0 batch has 10 activations, expected 1 excerpts x 8 tokens x 24 neurons = 192")
    let outside = #expect(throws: UserError.self) {
      try acc.consume(layer: 0, activations: [Float](repeating: 0, count: 192), excerptIDs: [400])
    }
    #expect(outside?.message == "record: excerpt id 400 is outside 0..<400")
    let unknown = #expect(throws: UserError.self) {
      try acc.consume(layer: 3, activations: [Float](repeating: 0, count: 192), excerptIDs: [0])
    }
    #expect(unknown?.message == "record: layer 3 is not recorded (layers [0, 5])")
    let missing = #expect(throws: UserError.self) {
      try acc.consume([0: [Float](repeating: 0, count: 192)], excerptIDs: [0])
    }
    #expect(missing?.message == "record: the batch has no activations for layer 5 (it has layers [0])")
  }

  // MARK: - Memory

  @Test func stateSizeDoesNotGrowWithTheNumberOfExcerpts() throws {
    var small = Self.configuration
    small.excerptCount = 100
    var huge = Self.configuration
    huge.excerptCount = 100_000_000
    let a = try RecordAccumulator(small)
    let b = try RecordAccumulator(huge)
    #expect(a.stateBytes == b.stateBytes)
    #expect(a.stateBytes == small.stateBytesPerNeuron * small.neuronCount)
    #expect(a.checkpoint().values.reduce(0) { $0 + $1.count } >= a.stateBytes - 8 * small.neuronCount)
    // The documented figure for SmolLM2-135M's defaults.
    let smol = RecordConfiguration(layers: Array(0..<30), neuronsPerLayer: 1536, excerptCount: 50_000)
    #expect(smol.stateBytesPerNeuron == 32_392)
  }

  // MARK: - Storage

  @Test func flatArraysRoundTripExactly() throws {
    let records = try uninterrupted().finish()
    let (arrays, metadata) = records.flattened()
    #expect(arrays["layer.5.top.acts"]?.shape == [24, 8, 8])
    #expect(arrays["layer.5.quantile.ids"]?.shape == [24, 4, 3])
    #expect(arrays["layer.0.kurtosis"]?.dtype == "F64")
    #expect(arrays.count == 2 * 13)
    let back = try NeuronRecords(arrays: arrays, metadata: metadata)
    #expect(back == records)
    #expect(back.configuration == Self.configuration)

    var broken = arrays
    broken["layer.0.top.ids"] = RecordArray(shape: [24, 9], .int32([Int32](repeating: 0, count: 216)))
    let error = #expect(throws: UserError.self) { try NeuronRecords(arrays: broken, metadata: metadata) }
    #expect(error?.message == "neuron records: array 'layer.0.top.ids' has shape [24, 9], expected [24, 8]")
  }

  @Test func largeSeedsSurviveTheMetadata() throws {
    var c = Self.configuration
    c.seed = .max
    c.excerptCount = 4
    let acc = try RecordAccumulator(c)
    try acc.consume(Self.data.batch(0..<4), excerptIDs: [0, 1, 2, 3])
    let (arrays, metadata) = acc.finish().flattened()
    #expect(try NeuronRecords(arrays: arrays, metadata: metadata).configuration.seed == .max)
    #expect(try RecordAccumulator(checkpoint: acc.checkpoint()).configuration.seed == .max)
  }

  // MARK: - Small corpora

  @Test func fewerExcerptsThanSlotsLeavesPadding() throws {
    var c = Self.configuration
    c.excerptCount = 5
    let acc = try RecordAccumulator(c)
    try acc.consume(Self.data.batch(0..<5), excerptIDs: Array(0..<5))
    let l = acc.finish().layers[1]
    let top = Array(l.topIDs[0..<8])
    #expect(top.filter { $0 >= 0 }.sorted() == [0, 1, 2, 3, 4])
    #expect(top[5...] == [-1, -1, -1])
    #expect(l.topMax[5...7].allSatisfy { $0 == -.infinity })
    #expect(Set(l.randomIDs[0..<5]) == [0, 1, 2, 3, 4])
    #expect(l.randomIDs[5] == -1)
  }

  @Test func constantNeuronHasNaNShapeMoments() throws {
    let c = RecordConfiguration(layers: [0], neuronsPerLayer: 2, tokensPerExcerpt: 4, excerptCount: 3)
    let acc = try RecordAccumulator(c)
    try acc.consume(layer: 0, activations: [Float](repeating: 1.5, count: 3 * 4 * 2), excerptIDs: [0, 1, 2])
    let l = acc.finish().layers[0]
    #expect(l.mean == [1.5, 1.5])
    #expect(l.variance == [0, 0])
    #expect(l.skewness[0].isNaN && l.kurtosis[1].isNaN)
    #expect(l.topIDs[0..<3] == [0, 1, 2])
  }
}
