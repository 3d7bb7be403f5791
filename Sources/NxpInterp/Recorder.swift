import Foundation
import NxpCore

/// When the recorder saves a checkpoint: after so many seconds or so many batches since the last
/// one, whichever comes first (nil turns a criterion off).
public struct CheckpointPolicy: Hashable, Sendable {
  public var seconds: Double?
  public var batches: Int?

  /// Every 30 seconds by default: a full SmolLM2 recording holds about 1.5 GB of state, so
  /// saving much more often would cost a noticeable share of the run.
  public init(seconds: Double? = 30, batches: Int? = nil) {
    self.seconds = seconds
    self.batches = batches
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
  activations: (_ excerptIDs: Range<Int>) throws -> [Int: [Float]],
  saveCheckpoint: (_ excerptsDone: Int, _ checkpoint: [String: Data]) throws -> Void
) throws -> NeuronRecords {
  try recordNeurons(
    configuration: configuration, batchSize: batchSize, resumingFrom: checkpoint, policy: policy,
    makeProgress: makeProgress, checkCancellation: checkCancellation,
    feed: { range, acc in try acc.consume(try activations(range), excerptIDs: Array(range)) },
    saveCheckpoint: { done, acc in try saveCheckpoint(done, acc.checkpoint()) })
}

/// The same driver for callers that hold each batch's activations in their own buffers: `feed`
/// computes the batch for `excerptIDs` and hands every recorded layer's matrix to the
/// accumulator (with `consume(layers:excerptIDs:)`), so no copy is made per batch; and
/// `saveCheckpoint` gets the accumulator to stream its state (`writeCheckpoint`) rather than a
/// copy of it.
public func recordNeurons(
  configuration: RecordConfiguration,
  batchSize: Int,
  resumingFrom checkpoint: [String: Data]? = nil,
  policy: CheckpointPolicy = CheckpointPolicy(),
  makeProgress: (_ total: Int, _ resumedFrom: Int) -> ProgressTask = {
    ProgressTask(title: "record", total: $0, unit: "excerpts", resumedFrom: $1)
  },
  checkCancellation: () throws -> Void = { try Cancellation.check() },
  feed: (_ excerptIDs: Range<Int>, _ accumulator: RecordAccumulator) throws -> Void,
  saveCheckpoint: (_ excerptsDone: Int, _ accumulator: RecordAccumulator) throws -> Void
) throws -> NeuronRecords {
  guard batchSize > 0 else { throw UserError("record: batch size must be positive, got \(batchSize)") }
  let acc =
    try checkpoint.map { try RecordAccumulator(checkpoint: $0, expecting: configuration) }
    ?? RecordAccumulator(configuration)
  let total = configuration.excerptCount
  var done = acc.excerptsConsumed
  let progress = makeProgress(total, done)
  var savedAt = done
  var batchesSinceSave = 0
  var lastSave = Date()

  func save() throws {
    guard done > savedAt else { return }
    try saveCheckpoint(done, acc)
    savedAt = done
    batchesSinceSave = 0
    lastSave = Date()
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
      || (policy.seconds.map { Date().timeIntervalSince(lastSave) >= $0 } ?? false)
    if due && done < total { try save() }
  }
  progress.finish()
  return acc.finishReleasingState()
}
