import NxpTensor

/// Replaces one neuron's value (after the nonlinearity, before the down projection) so every later
/// computation sees the new value. Captured neurons of that layer show the replaced value.
public struct NeuronOverride: Sendable, Equatable {
  /// The block whose MLP neuron is replaced.
  public var layer: Int
  /// The neuron's index, 0..<F.
  public var neuron: Int
  /// One value per row of the batch (the tokens of all sequences, in order), or a single value
  /// used for every row.
  public var values: [Float]

  public init(layer: Int, neuron: Int, values: [Float]) {
    self.layer = layer
    self.neuron = neuron
    self.values = values
  }
}

/// Which rows get output logits.
public enum LogitsSelection: Sendable, Equatable {
  case none
  /// Every row: `[R, V]`.
  case all
  /// The last token of each sequence: `[B, V]`.
  case lastOfEachSequence
}

/// What a forward pass should capture. Layers are 0-based block indices.
public struct ForwardRequest: Sendable, Equatable {
  /// Layers whose MLP neurons to capture, each as `[R, F]`.
  public var neuronLayers: [Int]
  /// Layers after whose block to capture the residual stream, each as `[R, C]`.
  public var residualLayers: [Int]
  /// Which rows get output logits.
  public var logits: LogitsSelection
  /// Neuron values to replace during the pass.
  public var overrides: [NeuronOverride]

  public init(
    neuronLayers: [Int] = [], residualLayers: [Int] = [], logits: LogitsSelection = .none, overrides: [NeuronOverride] = []
  ) {
    self.neuronLayers = neuronLayers
    self.residualLayers = residualLayers
    self.logits = logits
    self.overrides = overrides
  }
}

/// The results of a forward pass. Pass the same object to later calls to reuse its matrices: the
/// capture buffers are written in place and allocate only when a batch is larger than before.
public final class ForwardOutput: @unchecked Sendable {
  /// R: tokens of all sequences.
  public private(set) var rows: Int = 0
  /// Row where each sequence starts, plus R at the end (B + 1 entries).
  public private(set) var sequenceStarts: [Int] = [0]
  /// Layer -> `[R, F]` neurons.
  public private(set) var neurons: [Int: FloatMatrix] = [:]
  /// Layer -> `[R, C]` residual stream after the block.
  public private(set) var residuals: [Int: FloatMatrix] = [:]
  /// `[R, V]` or `[B, V]` per the request, else nil.
  public private(set) var logits: FloatMatrix?

  public init() {}

  /// Rows of sequence `i`.
  public func rows(ofSequence i: Int) -> Range<Int> { sequenceStarts[i]..<sequenceStarts[i + 1] }

  /// Shapes the buffers for a batch, keeping allocations that fit.
  func prepare(
    sequenceStarts starts: [Int], neuronLayers: [Int], residualLayers: [Int], neuronWidth: Int, residualWidth: Int,
    logitsRows: Int?, vocabularySize: Int
  ) {
    rows = starts.last ?? 0
    sequenceStarts = starts
    func shaped(_ existing: [Int: FloatMatrix], _ layers: [Int], _ width: Int) -> [Int: FloatMatrix] {
      var out: [Int: FloatMatrix] = [:]
      for l in layers {
        let m = existing[l] ?? FloatMatrix(rows: 0, columns: width)
        m.reshape(rows: rows, columns: width)
        out[l] = m
      }
      return out
    }
    neurons = shaped(neurons, neuronLayers, neuronWidth)
    residuals = shaped(residuals, residualLayers, residualWidth)
    if let logitsRows {
      let m = logits ?? FloatMatrix(rows: 0, columns: vocabularySize)
      m.reshape(rows: logitsRows, columns: vocabularySize)
      logits = m
    } else {
      logits = nil
    }
  }
}
