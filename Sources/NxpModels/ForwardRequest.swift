import NxpTensor

/// Replaces one neuron's value (after the nonlinearity, before the down projection) so every later
/// computation sees the new value. Captured neurons of that layer show the replaced value.
public struct NeuronOverride: Sendable, Equatable {
  /// The block whose MLP neuron is replaced.
  public var layer: Int
  /// The neuron's index, 0..<F.
  public var neuron: Int
  /// One value per row it applies to, or a single value used for all of them.
  public var values: [Float]
  /// The rows of the batch (the tokens of all sequences, in order) it applies to; nil for every
  /// row. Several copies of one sequence in a batch can so each have a different neuron replaced.
  public var rows: Range<Int>?

  public init(layer: Int, neuron: Int, values: [Float], rows: Range<Int>? = nil) {
    self.layer = layer
    self.neuron = neuron
    self.values = values
    self.rows = rows
  }
}

/// Where a forward pass starts when it does not start from the token embedding: the residual
/// stream entering block `layer` (as captured after block `layer - 1`), `[R, C]`. Blocks before
/// `layer` are skipped, which is exact since nothing computed after them can reach back.
public struct ResidualStart: @unchecked Sendable, Equatable {
  public var layer: Int
  /// `[R, C]`, one row per token of the batch, read and not changed.
  public var residual: FloatMatrix

  public init(layer: Int, residual: FloatMatrix) {
    self.layer = layer
    self.residual = residual
  }

  public static func == (a: ResidualStart, b: ResidualStart) -> Bool { a.layer == b.layer && a.residual === b.residual }
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
  /// Start from this residual stream instead of the embedding (the token ids then only give the
  /// sequences' lengths); nothing before its layer can be captured or replaced.
  public var start: ResidualStart?

  public init(
    neuronLayers: [Int] = [], residualLayers: [Int] = [], logits: LogitsSelection = .none, overrides: [NeuronOverride] = [],
    start: ResidualStart? = nil
  ) {
    self.neuronLayers = neuronLayers
    self.residualLayers = residualLayers
    self.logits = logits
    self.overrides = overrides
    self.start = start
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
