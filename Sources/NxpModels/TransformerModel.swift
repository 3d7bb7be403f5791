import Foundation
import NxpCore
import NxpFormats
import NxpTensor
import NxpTokenizer

/// A decoder-only transformer (llama or gpt2 family) ready to run: float32 layer weights, the
/// token embedding kept in its stored type, and reusable workspaces.
///
/// Create it from a configuration (all weights zero), then fill it with `load(from:)` or
/// `ModelRegistry.load`; `randomized(seed:)` gives small random models for tests. A model runs
/// one computation at a time (calls are serialised by `ComputeLock`).
public final class TransformerModel: @unchecked Sendable {
  /// The shape and conventions the weights follow.
  public let configuration: ModelConfiguration
  /// A display name (the alias or file name it was loaded from).
  public var name: String = "model"
  /// Files the weights, configuration and tokenizer were read from.
  public internal(set) var sourceFiles: [String] = []
  /// Threads the forward pass uses (workers, or OpenBLAS threads for a single sequence).
  public var threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
  /// Most rows one worker processes per step; larger batches are cut at sequence boundaries.
  public var chunkRows: Int = 512

  let layers: [LayerWeights]
  let tokenTable: TokenTable
  /// `[contextLength, C]` learned positions (gpt2).
  let positionTable: FloatMatrix?
  let finalNorm: FloatMatrix
  let finalNormBias: FloatMatrix?
  let rotary: RotaryTable?
  /// A separate output head, dequantized to `outputMatrix` on first use.
  private var outputSource: TensorData?
  private var outputMatrix: FloatMatrix?
  private let outputLock = NSLock()
  /// One per worker, grown on demand.
  var workspaces: [Workspace] = []
  /// Keeps mapped files alive while their bytes are in use.
  var retainedSources: [AnyObject] = []

  private var tokenizerBuilder: (() throws -> BPETokenizer)?
  private var builtTokenizer: BPETokenizer?
  private let tokenizerLock = NSLock()

  /// A model of this shape with every weight zero.
  public init(configuration: ModelConfiguration) {
    self.configuration = configuration
    let c = configuration
    layers = (0..<c.layerCount).map { _ in LayerWeights(c) }
    tokenTable = TokenTable(rows: c.vocabularySize, width: c.hiddenSize)
    positionTable = c.architecture == .gpt2 ? FloatMatrix(rows: c.contextLength, columns: c.hiddenSize) : nil
    finalNorm = FloatMatrix(rows: 1, columns: c.hiddenSize)
    finalNormBias = c.architecture == .gpt2 ? FloatMatrix(rows: 1, columns: c.hiddenSize) : nil
    rotary = c.architecture.isLlamaFamily ? RotaryTable(dimension: c.ropeDimension, base: c.ropeTheta, positions: 256) : nil
  }

  // MARK: - Weights

  /// A model of `configuration` with weights from `source`, named by `naming`. Every tensor's
  /// presence and shape is checked before any weight memory is allocated.
  static func loaded(
    _ configuration: ModelConfiguration, from source: WeightSource, naming: TensorNaming, threads: Int
  ) throws -> TransformerModel {
    let loader = WeightLoader(source: source, naming: naming, configuration: configuration, threads: threads)
    try loader.load(into: nil)
    let model = TransformerModel(configuration: configuration)
    model.threads = threads
    try loader.load(into: model)
    model.retainedSources.append(source)
    return model
  }

  /// Installs a separate output head `[V, C]`; it is dequantized when logits are first needed.
  func setOutputHead(_ data: TensorData) {
    outputLock.lock()
    outputSource = data
    outputMatrix = nil
    outputLock.unlock()
  }

  /// The output head `[V, C]` as float32: the separate head, or the token embedding when tied.
  func outputHead() throws -> FloatMatrix {
    outputLock.lock()
    defer { outputLock.unlock() }
    if let outputMatrix { return outputMatrix }
    let m: FloatMatrix
    if let outputSource {
      m = FloatMatrix(rows: configuration.vocabularySize, columns: configuration.hiddenSize)
      try dequantize(outputSource.type, outputSource.bytes, count: m.count, into: m.pointer, threads: threads)
    } else {
      m = try tokenTable.dequantizedMatrix(threads: threads)
    }
    outputMatrix = m
    return m
  }

  /// Whether the float32 output head has been built (it costs V x C x 4 bytes).
  public var outputHeadIsLoaded: Bool {
    outputLock.lock()
    defer { outputLock.unlock() }
    return outputMatrix != nil
  }

  /// Bytes of float32 weights held (layers, norms, positions, and the output head once built).
  public var weightBytes: Int {
    var floats = layers.reduce(0) { $0 + $1.floatCount } + finalNorm.count + (finalNormBias?.count ?? 0)
    floats += positionTable?.count ?? 0
    outputLock.lock()
    floats += outputMatrix?.count ?? 0
    outputLock.unlock()
    return floats * 4
  }

  // MARK: - Tokenizer

  /// Sets how the tokenizer is built; it is built on first use, so loading a model for its
  /// activations alone never parses the vocabulary.
  public func setTokenizer(_ build: @escaping () throws -> BPETokenizer) {
    tokenizerLock.lock()
    tokenizerBuilder = build
    builtTokenizer = nil
    tokenizerLock.unlock()
  }

  /// The model's tokenizer, or nil when the model came without one.
  public func tokenizer() throws -> BPETokenizer? {
    tokenizerLock.lock()
    defer { tokenizerLock.unlock() }
    if let builtTokenizer { return builtTokenizer }
    guard let tokenizerBuilder else { return nil }
    let t = try tokenizerBuilder()
    builtTokenizer = t
    return t
  }

  // MARK: - Random weights

  /// This model's shape with weights drawn from a seeded uniform distribution scaled like common
  /// initialisations (1/sqrt(fan-in) for projections, near 1 for norm weights). For tests.
  public static func randomized(_ configuration: ModelConfiguration, seed: UInt64) -> TransformerModel {
    let model = TransformerModel(configuration: configuration)
    var rng = SeededGenerator(seed: seed)
    func fill(_ m: FloatMatrix, scale: Float, center: Float = 0) {
      for i in 0..<m.count { m.pointer[i] = center + scale * Float.random(in: -1...1, using: &rng) }
    }
    for layer in model.layers {
      for (role, m) in layer.all {
        if role.hasSuffix("norm") {
          fill(m, scale: 0.2, center: 1)
        } else if role.hasSuffix("bias") {
          fill(m, scale: 0.1)
        } else {
          fill(m, scale: 1 / Float(m.columns).squareRoot())
        }
      }
    }
    fill(model.finalNorm, scale: 0.2, center: 1)
    if let b = model.finalNormBias { fill(b, scale: 0.1) }
    if let p = model.positionTable { fill(p, scale: 0.5) }
    let embedding = FloatMatrix(rows: configuration.vocabularySize, columns: configuration.hiddenSize)
    fill(embedding, scale: 1)
    model.tokenTable.set(
      TensorData(
        name: "random token embedding", shape: [embedding.rows, embedding.columns], type: .f32,
        bytes: UnsafeRawBufferPointer(start: embedding.pointer, count: embedding.count * 4), owner: embedding))
    if !configuration.tiedEmbeddings {
      let head = FloatMatrix(rows: configuration.vocabularySize, columns: configuration.hiddenSize)
      fill(head, scale: 1 / Float(configuration.hiddenSize).squareRoot())
      model.setOutputHead(
        TensorData(
          name: "random output head", shape: [head.rows, head.columns], type: .f32,
          bytes: UnsafeRawBufferPointer(start: head.pointer, count: head.count * 4), owner: head))
    }
    return model
  }
}

/// The seeded generator for sampling and random test models (SplitMix64, stable across versions).
public typealias SeededGenerator = SplitMix64
