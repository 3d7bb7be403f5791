import Foundation
import NxpCore
import NxpInterp
import Testing

/// The batch driver: resuming, checkpoint cadence, interruption, progress.
@Suite struct RecorderTests {
  static let configuration = RecordAccumulatorTests.configuration
  static let data = RecordAccumulatorTests.data

  static func direct() throws -> NeuronRecords {
    let acc = try RecordAccumulator(configuration)
    try acc.consume(data.batch(0..<400), excerptIDs: Array(0..<400))
    return acc.finish()
  }

  /// Runs the driver with batches of 30, recording checkpoints and the ranges asked for.
  func run(
    resumingFrom checkpoint: [String: Data]? = nil,
    policy: CheckpointPolicy = CheckpointPolicy(seconds: nil, batches: 4),
    cancelAfter: Int? = nil, failAt: Int? = nil, saves: inout [(Int, [String: Data])], asked: inout [Range<Int>],
    progress: inout ProgressTask?
  ) throws -> NeuronRecords {
    var checks = 0
    var savedLocal: [(Int, [String: Data])] = []
    var askedLocal: [Range<Int>] = []
    var task: ProgressTask?
    defer {
      saves = savedLocal
      asked = askedLocal
      progress = task
    }
    return try recordNeurons(
      configuration: Self.configuration, batchSize: 30, resumingFrom: checkpoint, policy: policy,
      makeProgress: { total, resumed in
        let t = ProgressTask(title: "record", total: total, unit: "excerpts", resumedFrom: resumed)
        task = t
        return t
      },
      checkCancellation: {
        checks += 1
        if let cancelAfter, checks > cancelAfter { throw Interrupted() }
      },
      activations: { range in
        if let failAt, range.lowerBound == failAt { throw UserError("model failed") }
        askedLocal.append(range)
        return Self.data.batch(range)
      },
      saveCheckpoint: { done, parts in savedLocal.append((done, parts)) })
  }

  @Test func recordsEverythingInBatchesAndCheckpointsOnSchedule() throws {
    var saves: [(Int, [String: Data])] = []
    var asked: [Range<Int>] = []
    var progress: ProgressTask?
    let records = try run(saves: &saves, asked: &asked, progress: &progress)
    #expect(records == (try Self.direct()))
    #expect(asked.first == 0..<30 && asked.last == 390..<400 && asked.count == 14)
    #expect(saves.map(\.0) == [120, 240, 360])
    #expect(progress?.done == 400 && progress?.total == 400 && progress?.unit == "excerpts")
  }

  /// Records in batches of 10 on a clock that advances 1 s per batch and 2 s per save; returns
  /// the records and the excerpt counts at which saves happened.
  func recordOnAFakeClock(_ policy: CheckpointPolicy) throws -> (NeuronRecords, saves: [Int]) {
    var now = 0.0
    var saves: [Int] = []
    let records = try recordNeurons(
      configuration: Self.configuration, batchSize: 10, policy: policy,
      makeProgress: { ProgressTask(title: "record", total: $0, unit: "excerpts", resumedFrom: $1) },
      checkCancellation: {}, clock: { now },
      activations: { range in
        now += 1
        return Self.data.batch(range)
      },
      saveCheckpoint: { done, _ in
        now += 2
        saves.append(done)
      })
    return (records, saves)
  }

  @Test func savesThatTakeLongAreSpacedOutToBoundTheirShareOfTheRun() throws {
    // Every 1 s alone would save after every batch (2/3 of the time saving); at most 10% waits
    // 18 s after each 2 s save.
    let (records, saves) = try recordOnAFakeClock(CheckpointPolicy(seconds: 1, maxOverhead: 0.1))
    #expect(records == (try Self.direct()))
    #expect(saves == [10, 190, 370])
    // Without the bound, every batch but the last is followed by a save.
    let unbounded = try recordOnAFakeClock(CheckpointPolicy(seconds: 1, maxOverhead: nil))
    #expect(unbounded.saves == Array(stride(from: 10, to: 400, by: 10)))
  }

  @Test func theFirstSaveWaitsAsIfTheStateHadBeenWrittenAtTheAssumedRate() throws {
    // The state written at the assumed rate takes 2 s, so even the first save waits 18 s.
    let stateBytes = try RecordAccumulator(Self.configuration).stateBytes
    let policy = CheckpointPolicy(seconds: 1, maxOverhead: 0.1, assumedWriteRate: Double(stateBytes) / 2)
    #expect(try recordOnAFakeClock(policy).saves == [180, 360])
  }

  @Test func anInterruptSavesACheckpointThenResumesToTheSameRecords() throws {
    var saves: [(Int, [String: Data])] = []
    var asked: [Range<Int>] = []
    var progress: ProgressTask?
    #expect(throws: Interrupted.self) {
      _ = try run(cancelAfter: 6, saves: &saves, asked: &asked, progress: &progress)
    }
    // Six batches finished; the scheduled save came after four, the interrupt saved all six.
    #expect(saves.map(\.0) == [120, 180])
    #expect(progress?.done == 180)

    let records = try run(resumingFrom: saves.last!.1, saves: &saves, asked: &asked, progress: &progress)
    #expect(asked.first == 180..<210)
    #expect(progress?.resumedFrom == 180 && progress?.done == 400)
    #expect(records == (try Self.direct()))
  }

  @Test func aFailingBatchKeepsWhatFinished() throws {
    var saves: [(Int, [String: Data])] = []
    var asked: [Range<Int>] = []
    var progress: ProgressTask?
    let error = #expect(throws: UserError.self) {
      _ = try run(
        policy: CheckpointPolicy(seconds: nil, batches: nil), failAt: 90, saves: &saves, asked: &asked,
        progress: &progress)
    }
    #expect(error?.message == "model failed")
    #expect(saves.map(\.0) == [90])
    let restored = try RecordAccumulator(checkpoint: saves[0].1)
    #expect(restored.excerptsConsumed == 90)
  }

  @Test func aCheckpointOfOtherOptionsIsRefused() throws {
    var other = Self.configuration
    other.random = 10
    let acc = try RecordAccumulator(other)
    try acc.consume(Self.data.batch(0..<30), excerptIDs: Array(0..<30))
    var saves: [(Int, [String: Data])] = []
    var asked: [Range<Int>] = []
    var progress: ProgressTask?
    let error = #expect(throws: UserError.self) {
      _ = try run(resumingFrom: acc.checkpoint(), saves: &saves, asked: &asked, progress: &progress)
    }
    #expect(error?.message.contains("random 10 in the checkpoint, 6 now") == true)
  }
}
