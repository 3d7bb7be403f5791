import Foundation
import NxpTensor

// The batched forward pass. Sequences are packed into chunks of whole sequences; `threads`
// workers take chunks from a shared counter, each with single-threaded OpenBLAS and its own
// workspace, so products, attention and elementwise work all run in parallel. A batch that forms
// a single chunk runs on one worker with multi-threaded OpenBLAS instead.

extension TransformerModel {
  /// Runs `sequences` (token ids; equal lengths are the fast path, ragged is fine) through the
  /// model and returns what `request` asks for. Rows of the outputs are the tokens of all
  /// sequences in order. Blocks after the last captured layer are skipped unless logits are
  /// requested. Pass `output` from an earlier call to reuse its buffers.
  @discardableResult
  public func forward(
    _ sequences: [[Int32]], request: ForwardRequest = ForwardRequest(), into output: ForwardOutput? = nil
  ) throws -> ForwardOutput {
    try ComputeLock.run { try forwardLocked(sequences, request: request, output: output ?? ForwardOutput()) }
  }

  private func forwardLocked(_ sequences: [[Int32]], request: ForwardRequest, output: ForwardOutput) throws -> ForwardOutput {
    let c = configuration
    let L = c.layerCount, F = c.intermediateSize, C = c.hiddenSize, V = c.vocabularySize

    // MARK: Validation
    guard !sequences.isEmpty else { throw ModelError.emptyBatch }
    var starts = [0]
    starts.reserveCapacity(sequences.count + 1)
    for (i, s) in sequences.enumerated() {
      guard !s.isEmpty else { throw ModelError.emptySequence(index: i) }
      guard s.count <= c.contextLength else { throw ModelError.sequenceTooLong(length: s.count, limit: c.contextLength) }
      for t in s where t < 0 || Int(t) >= V { throw ModelError.tokenOutOfRange(token: t, vocabularySize: V) }
      starts.append(starts[starts.count - 1] + s.count)
    }
    let R = starts[starts.count - 1]
    let neuronLayers = Array(Set(request.neuronLayers)).sorted()
    let residualLayers = Array(Set(request.residualLayers)).sorted()
    for l in neuronLayers + residualLayers + request.overrides.map(\.layer) where l < 0 || l >= L {
      throw ModelError.layerOutOfRange(layer: l, layerCount: L)
    }
    for o in request.overrides {
      guard o.neuron >= 0, o.neuron < F else { throw ModelError.neuronOutOfRange(layer: o.layer, neuron: o.neuron, neuronCount: F) }
      let rows = o.rows ?? 0..<R
      guard rows.lowerBound >= 0, rows.upperBound <= R else {
        throw ModelError.overrideRows(layer: o.layer, neuron: o.neuron, rows: rows, batchRows: R)
      }
      guard o.values.count == 1 || o.values.count == rows.count else {
        throw ModelError.overrideLength(layer: o.layer, neuron: o.neuron, expected: rows.count, found: o.values.count)
      }
    }
    let firstLayer = request.start?.layer ?? 0
    if let start = request.start {
      guard start.layer >= 0, start.layer < L else { throw ModelError.layerOutOfRange(layer: start.layer, layerCount: L) }
      guard start.residual.rows == R, start.residual.columns == C else {
        throw ModelError.startResidualShape(expected: [R, C], found: [start.residual.rows, start.residual.columns])
      }
      for l in neuronLayers + residualLayers + request.overrides.map(\.layer) where l < start.layer {
        throw ModelError.beforeStart(layer: l, start: start.layer)
      }
    }

    let logitsRows: Int? =
      switch request.logits {
      case .none: nil
      case .all: R
      case .lastOfEachSequence: sequences.count
      }
    output.prepare(
      sequenceStarts: starts, neuronLayers: neuronLayers, residualLayers: residualLayers, neuronWidth: F, residualWidth: C,
      logitsRows: logitsRows, vocabularySize: V)
    let lastLayer = request.logits != .none ? L - 1 : (neuronLayers + residualLayers).max() ?? -1
    guard lastLayer >= firstLayer else { return output }
    // Built once here, not inside a worker.
    if request.logits != .none { _ = try outputHead() }
    rotary?.reserve(sequences.map(\.count).max() ?? 0)

    // MARK: Inputs in flat buffers
    var tokens = [Int32]()
    tokens.reserveCapacity(R)
    for s in sequences { tokens += s }
    // Every override's values end to end; `valueStarts[i]` is where override i's begin.
    var overrideValues = [Float]()
    var valueStarts: [Int] = []
    for o in request.overrides {
      valueStarts.append(overrideValues.count)
      overrideValues += o.values
    }

    // MARK: Chunks
    let threads = max(1, self.threads)
    let workersWanted = min(threads, sequences.count)
    let target = max(1, min(chunkRows, (R + workersWanted - 1) / workersWanted))
    var chunks: [Range<Int>] = []  // sequence index ranges
    var first = 0
    for i in 0..<sequences.count where i > first && starts[i + 1] - starts[first] > target {
      chunks.append(first..<i)
      first = i
    }
    chunks.append(first..<sequences.count)
    let workers = min(threads, chunks.count)
    BLAS.threads = workers == 1 ? threads : 1
    while workspaces.count < workers { workspaces.append(Workspace()) }

    let next = ChunkCounter()
    let failure = FirstError()
    tokens.withUnsafeBufferPointer { tokenBuffer in
      overrideValues.withUnsafeBufferPointer { valueBuffer in
        let tokenBase = tokenBuffer.baseAddress!
        Parallel.forEach(workers) { worker in
          while let index = next.take(below: chunks.count), !failure.isSet {
            let seqs = chunks[index]
            let rowStart = starts[seqs.lowerBound], rowEnd = starts[seqs.upperBound]
            let segments = seqs.map { Segment(row: starts[$0] - rowStart, count: sequences[$0].count, firstPosition: 0, cache: nil) }
            var targets = ChunkTargets()
            for l in neuronLayers { targets.neurons[l] = output.neurons[l]!.pointer + rowStart * F }
            for l in residualLayers { targets.residuals[l] = output.residuals[l]!.pointer + rowStart * C }
            for (i, o) in request.overrides.enumerated() {
              // The override's rows within this chunk, and the value of the first of them.
              let rows = o.rows ?? 0..<R
              let lo = max(rows.lowerBound, rowStart), hi = min(rows.upperBound, rowEnd)
              guard lo < hi else { continue }
              let stride = o.values.count == 1 ? 0 : 1
              let first = valueBuffer.baseAddress! + valueStarts[i] + stride * (lo - rows.lowerBound)
              targets.overrides[o.layer, default: []].append(
                ChunkOverride(neuron: o.neuron, rows: (lo - rowStart)..<(hi - rowStart), values: first, stride: stride))
            }
            if let start = request.start { targets.start = (start.layer, UnsafePointer(start.residual.pointer + rowStart * C)) }
            if let logits = output.logits {
              targets.logitsForEveryRow = request.logits == .all
              targets.logits = logits.pointer + (targets.logitsForEveryRow ? rowStart : seqs.lowerBound) * V
            }
            do {
              try runChunk(
                tokens: tokenBase + rowStart, rows: rowEnd - rowStart, segments: segments, lastLayer: lastLayer, targets: targets,
                workspace: workspaces[worker])
            } catch {
              failure.set(error)
            }
          }
        }
      }
    }
    if let error = failure.error { throw error }
    return output
  }
}

/// Hands out chunk indices to workers.
final class ChunkCounter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()

  func take(below limit: Int) -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard value < limit else { return nil }
    value += 1
    return value - 1
  }
}

/// The first error thrown by any worker.
final class FirstError: @unchecked Sendable {
  private(set) var error: Error?
  private let lock = NSLock()

  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return error != nil
  }

  func set(_ e: Error) {
    lock.lock()
    if error == nil { error = e }
    lock.unlock()
  }
}
