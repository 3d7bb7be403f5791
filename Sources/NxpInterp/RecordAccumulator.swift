import Foundation
import NxpCore

/// Streams MLP activations batch by batch and keeps, for every neuron, its top excerpts, a random
/// sample, samples from quantile buckets of its per-excerpt maximum, and the moments of its
/// activation, in memory that does not depend on the number of excerpts
/// (`RecordConfiguration.stateBytesPerNeuron`).
///
/// Results depend only on the excerpts consumed and their order, not on how they were cut into
/// batches, and a checkpoint restores the state bit for bit.
///
///     let acc = try RecordAccumulator(configuration)
///     try acc.consume([6: matrix], excerptIDs: [0, 1, 2, 3])   // matrix: [4*T x neurons]
///     let records = acc.finish()
public final class RecordAccumulator: @unchecked Sendable {
  public let configuration: RecordConfiguration
  /// One state per layer; `finishReleasingState()` swaps each for an empty one as it finishes.
  var states: [LayerState]
  /// Set once `finishReleasingState()` has freed the state.
  var released = false
  private let slotOfLayer: [Int: Int]

  /// Neurons handled by one parallel task: its rows (T of them per excerpt) stay in L2.
  static let chunkWidth = 256

  public init(_ configuration: RecordConfiguration) throws {
    try configuration.validate()
    self.configuration = configuration
    states = configuration.layers.map { LayerState(layer: $0, configuration: configuration) }
    slotOfLayer = Dictionary(uniqueKeysWithValues: configuration.layers.enumerated().map { ($1, $0) })
  }

  /// Excerpts consumed by every layer (the driver's resume point).
  public var excerptsConsumed: Int { states.map(\.consumed).min() ?? 0 }

  /// Excerpts consumed by one layer.
  public func excerptsConsumed(layer: Int) -> Int? { slotOfLayer[layer].map { states[$0].consumed } }

  /// Bytes of state actually allocated: `stateBytesPerNeuron` times the number of neurons.
  public var stateBytes: Int { states.reduce(0) { $0 + $1.byteCount } }

  // MARK: - Consuming batches

  /// Consumes one batch of every configured layer at once, in parallel over layers and neuron
  /// ranges. Each matrix is row-major float32 [B*T x neuronsPerLayer]: the T token rows of
  /// excerpt `excerptIDs[0]`, then those of `excerptIDs[1]`, and so on.
  public func consume(_ batch: [Int: [Float]], excerptIDs: [Int]) throws {
    var work: [(slot: Int, matrix: [Float])] = []
    for layer in configuration.layers {
      guard let m = batch[layer] else {
        throw UserError(
          "record: the batch has no activations for layer \(layer) (it has layers \(batch.keys.sorted()))")
      }
      work.append((slotOfLayer[layer]!, m))
    }
    let extra = Set(batch.keys).subtracting(configuration.layers)
    guard extra.isEmpty else {
      throw UserError("record: the batch has activations for layers \(extra.sorted()) that are not recorded")
    }
    for (slot, m) in work { try check(states[slot], count: m.count, excerptIDs: excerptIDs) }
    run(work.map { w in (w.slot, { body in w.matrix.withUnsafeBufferPointer { body($0.baseAddress!) } }) }, excerptIDs)
  }

  /// Consumes one batch of every configured layer from buffers the caller owns (valid for the
  /// duration of the call), in parallel over layers and neuron ranges.
  public func consume(layers batch: [Int: UnsafeBufferPointer<Float>], excerptIDs: [Int]) throws {
    var work: [(slot: Int, matrix: UnsafeBufferPointer<Float>)] = []
    for layer in configuration.layers {
      guard let m = batch[layer], let slot = slotOfLayer[layer] else {
        throw UserError(
          "record: the batch has no activations for layer \(layer) (it has layers \(batch.keys.sorted()))")
      }
      try check(states[slot], count: m.count, excerptIDs: excerptIDs)
      work.append((slot, m))
    }
    let extra = Set(batch.keys).subtracting(configuration.layers)
    guard extra.isEmpty else {
      throw UserError("record: the batch has activations for layers \(extra.sorted()) that are not recorded")
    }
    run(work.map { w in (w.slot, { body in body(w.matrix.baseAddress!) }) }, excerptIDs)
  }

  /// Consumes one layer's batch; see `consume(_:excerptIDs:)` for the layout.
  public func consume(layer: Int, activations: UnsafeBufferPointer<Float>, excerptIDs: [Int]) throws {
    guard let slot = slotOfLayer[layer] else {
      throw UserError("record: layer \(layer) is not recorded (layers \(configuration.layers))")
    }
    try check(states[slot], count: activations.count, excerptIDs: excerptIDs)
    let base = activations.baseAddress!
    run([(slot, { body in body(base) })], excerptIDs)
  }

  /// Array form of `consume(layer:activations:excerptIDs:)`.
  public func consume(layer: Int, activations: [Float], excerptIDs: [Int]) throws {
    try activations.withUnsafeBufferPointer { try consume(layer: layer, activations: $0, excerptIDs: excerptIDs) }
  }

  private func check(_ state: LayerState, count: Int, excerptIDs: [Int]) throws {
    let c = configuration
    guard !released else { throw UserError("record: this recording is finished; its state was freed") }
    guard !excerptIDs.isEmpty else { throw UserError("record: a batch needs at least one excerpt") }
    let expected = excerptIDs.count * c.tokensPerExcerpt * c.neuronsPerLayer
    guard count == expected else {
      throw UserError(
        "record: layer \(state.layer) batch has \(count) activations, expected \(excerptIDs.count) excerpts x "
          + "\(c.tokensPerExcerpt) tokens x \(c.neuronsPerLayer) neurons = \(expected)")
    }
    if let bad = excerptIDs.first(where: { $0 < 0 || $0 >= c.excerptCount }) {
      throw UserError("record: excerpt id \(bad) is outside 0..<\(c.excerptCount)")
    }
    guard state.consumed + excerptIDs.count <= c.excerptCount else {
      throw UserError(
        "record: layer \(state.layer) would see \(state.consumed + excerptIDs.count) excerpts, "
          + "more than the \(c.excerptCount) it was configured for")
    }
  }

  /// Splits the layers into neuron chunks and processes them in parallel.
  private func run(
    _ layers: [(slot: Int, withMatrix: ((UnsafePointer<Float>) -> Void) -> Void)], _ excerptIDs: [Int]
  ) {
    let width = RecordAccumulator.chunkWidth
    let n = configuration.neuronsPerLayer
    let chunksPerLayer = (n + width - 1) / width
    let tasks = layers.count * chunksPerLayer
    let levels = configuration.quantileLevels
    let perQuantile = configuration.perQuantile
    DispatchQueue.concurrentPerform(iterations: tasks) { task in
      let (li, chunk) = task.quotientAndRemainder(dividingBy: chunksPerLayer)
      let state = states[layers[li].slot]
      let range = (chunk * width)..<min(n, (chunk + 1) * width)
      layers[li].withMatrix { matrix in
        RecordKernel.process(
          state: state, neurons: range, matrix: matrix, excerptIDs: excerptIDs, levels: levels,
          perQuantile: perQuantile)
      }
    }
    for l in layers { states[l.slot].consumed += excerptIDs.count }
  }
}
