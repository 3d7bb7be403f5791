import Foundation
import NxpCore

/// When the recorder saves a checkpoint: after so many seconds or so many batches since the last
/// one, whichever comes first (nil turns a criterion off); and, for the seconds, never so often
/// that saving takes more than `maxOverhead` of the run.
public struct CheckpointPolicy: Hashable, Sendable {
  public var seconds: Double?
  public var batches: Int?
  /// The largest share of wall time spent saving: after a save that took d seconds, the next
  /// time-based one waits at least d * (1 - maxOverhead) / maxOverhead seconds (19 d for 5%).
  /// A full SmolLM2 recording holds about 1.5 GB of state; written every 30 seconds, it cost
  /// a tenth of the run or more. nil saves every `seconds` whatever a save costs.
  public var maxOverhead: Double?
  /// Bytes per second a save is expected to write before the first one is timed: the first
  /// time-based save then waits as if a save of the whole state had already taken that long.
  /// Without it the first save comes after `seconds` whatever it costs (SmolLM2's 1.5 GB written
  /// after 30 s cost a three-minute recording 6% of its rate). nil: no estimate.
  public var assumedWriteRate: Double?

  /// A rate a local disk sustains for large sequential writes, with room for a busy machine.
  public static let typicalWriteRate = 150e6

  /// Every 30 seconds by default, or less often when a save takes more than 5% of the time.
  public init(seconds: Double? = 30, batches: Int? = nil, maxOverhead: Double? = 0.05, assumedWriteRate: Double? = nil) {
    self.seconds = seconds
    self.batches = batches
    self.maxOverhead = maxOverhead
    self.assumedWriteRate = assumedWriteRate
  }

  /// Seconds to wait after a save that took `lastSave` seconds (nil: no time-based saves).
  func interval(afterSaveTaking lastSave: Double) -> Double? {
    guard let seconds else { return nil }
    guard let f = maxOverhead, f > 0, f < 1 else { return seconds }
    return max(seconds, lastSave * (1 - f) / f)
  }
}

/// Runs a recording over excerpts 0..<N in batches: asks `activations` for each batch's MLP
/// activations, feeds them to a `RecordAccumulator`, and returns the finished records.
///
/// - Resumes from `checkpoint` when given (which must have been made with the same
///   configuration), skipping the excerpts it already covers.
/// - Saves checkpoints through `saveCheckpoint(excerptsDone, parts)` as `policy` says.
/// - Reports progress on the task `makeProgress(total, resumedFrom)` returns (by default a
///   `ProgressTask` titled "record" counting "excerpts").
/// - Polls `checkCancellation` (Ctrl-C by default) between batches. When it throws, or when
///   `activations` throws, it first saves a checkpoint of the batches finished since the last
///   one, then rethrows, so a re-run resumes where this one stopped.
///
/// `activations(range)` returns, for every recorded layer, a row-major float32 matrix
/// [range.count * T x neuronsPerLayer] (see `RecordAccumulator.consume`).
public func recordNeurons(
  configuration: RecordConfiguration,
  batchSize: Int,
  resumingFrom checkpoint: [String: Data]? = nil,
  policy: CheckpointPolicy = CheckpointPolicy(),
  makeProgress: (_ total: Int, _ resumedFrom: Int) -> ProgressTask = {
    ProgressTask(title: "record", total: $0, unit: "excerpts", resumedFrom: $1)
  },
  checkCancellation: () throws -> Void = { try Cancellation.check() },
  clock: () -> Double = { Date().timeIntervalSinceReferenceDate },
  activations: (_ excerptIDs: Range<Int>) throws -> [Int: [Float]],
  saveCheckpoint: (_ excerptsDone: Int, _ checkpoint: [String: Data]) throws -> Void
) throws -> NeuronRecords {
  try recordNeurons(
    configuration: configuration, batchSize: batchSize, resumingFrom: checkpoint, policy: policy,
    makeProgress: makeProgress, checkCancellation: checkCancellation, clock: clock,
    feed: { range, acc in try acc.consume(try activations(range), excerptIDs: Array(range)) },
    saveCheckpoint: { done, acc in try saveCheckpoint(done, acc.checkpoint()) })
}

/// The same driver for callers that hold each batch's activations in their own buffers: `feed`
/// computes the batch for `excerptIDs` and hands every recorded layer's matrix to the
/// accumulator (with `consume(layers:excerptIDs:)`), so no copy is made per batch; and
/// `saveCheckpoint` gets the accumulator to stream its state (`writeCheckpoint`) rather than a
/// copy of it. `clock` (seconds) times the checkpoint policy; tests pass their own.
public func recordNeurons(
  configuration: RecordConfiguration,
  batchSize: Int,
  resumingFrom checkpoint: [String: Data]? = nil,
  policy: CheckpointPolicy = CheckpointPolicy(),
  makeProgress: (_ total: Int, _ resumedFrom: Int) -> ProgressTask = {
    ProgressTask(title: "record", total: $0, unit: "excerpts", resumedFrom: $1)
  },
  checkCancellation: () throws -> Void = { try Cancellation.check() },
  clock: () -> Double = { Date().timeIntervalSinceReferenceDate },
  feed: (_ excerptIDs: Range<Int>, _ accumulator: RecordAccumulator) throws -> Void,
  saveCheckpoint: (_ excerptsDone: Int, _ accumulator: RecordAccumulator) throws -> Void,
  discardingUnusableCheckpoint discard: ((Error) -> Void)? = nil
) throws -> NeuronRecords {
  guard batchSize > 0 else { throw UserError("record: batch size must be positive, got \(batchSize)") }
  // A checkpoint that cannot be restored is an error, or with `discard`, reported and ignored.
  var restored: RecordAccumulator?
  do {
    restored = try checkpoint.map { try RecordAccumulator(checkpoint: $0, expecting: configuration) }
  } catch {
    guard let discard else { throw error }
    discard(error)
  }
  let acc = try restored ?? RecordAccumulator(configuration)
  let total = configuration.excerptCount
  var done = acc.excerptsConsumed
  let progress = makeProgress(total, done)
  var savedAt = done
  var batchesSinceSave = 0
  var lastSave = clock()
  var interval = policy.interval(afterSaveTaking: policy.assumedWriteRate.map { Double(acc.stateBytes) / $0 } ?? 0)

  func save() throws {
    guard done > savedAt else { return }
    let started = clock()
    try saveCheckpoint(done, acc)
    savedAt = done
    batchesSinceSave = 0
    lastSave = clock()
    interval = policy.interval(afterSaveTaking: lastSave - started)
  }

  while done < total {
    let range = done..<min(total, done + batchSize)
    do {
      try checkCancellation()
      try feed(range, acc)
    } catch {
      // The failed batch was not consumed, so the state is whole: keep what finished.
      try? save()
      progress.finish()
      throw error
    }
    done = range.upperBound
    progress.advance(by: range.count)
    batchesSinceSave += 1
    let due =
      (policy.batches.map { batchesSinceSave >= $0 } ?? false)
      || (interval.map { clock() - lastSave >= $0 } ?? false)
    if due && done < total { try save() }
  }
  progress.finish()
  return acc.finishReleasingState()
}
