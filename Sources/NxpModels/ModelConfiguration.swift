import Foundation
import NxpFormats
import NxpTensor

/// The transformer families nxp runs.
public enum Architecture: String, Codable, Sendable, CaseIterable {
  /// RMSNorm, rotary positions, grouped-query attention, SwiGLU MLP (Llama, SmolLM, ...).
  case llama
  /// Llama's blocks with biases on the query, key and value projections (Qwen2 and Qwen2.5).
  case qwen2
  /// LayerNorm with biases, learned positions, GELU (tanh form) MLP, tied output head.
  case gpt2

  /// Llama-style blocks: RMSNorm, rotary positions, SwiGLU.
  public var isLlamaFamily: Bool { self != .gpt2 }
}

/// Everything needed to lay out a model's weights and run it, read from GGUF metadata or a
/// Hugging Face `config.json`. Sizes follow the shape legend in NxpTensor (C, F, H, Hkv, D, V).
public struct ModelConfiguration: Codable, Sendable, Equatable {
  /// The model family.
  public var architecture: Architecture
  /// V
  public var vocabularySize: Int
  /// C
  public var hiddenSize: Int
  /// F: the MLP neurons per layer.
  public var intermediateSize: Int
  /// Transformer blocks.
  public var layerCount: Int
  /// H
  public var headCount: Int
  /// Hkv (equal to H without grouped-query attention).
  public var kvHeadCount: Int
  /// D
  public var headDim: Int
  /// Longest sequence the model accepts (learned positions make this hard for GPT-2).
  public var contextLength: Int
  /// Epsilon added inside RMSNorm / LayerNorm.
  public var normEpsilon: Float
  /// Rotary base (llama only).
  public var ropeTheta: Double
  /// Leading entries of each head vector that rotate (llama only; usually D).
  public var ropeDimension: Int
  /// Which head-vector entries rotate together (set by the file convention).
  public var ropeStyle: RotaryStyle
  /// The output head reuses the token embedding.
  public var tiedEmbeddings: Bool
  /// Q/K/V projections carry biases.
  public var attentionBias: Bool
  /// The attention output projection carries a bias (GPT-2 and llama-style models with
  /// `attention_bias`; not Qwen2, whose biases are on Q/K/V only).
  public var attentionOutputBias: Bool
  /// MLP projections carry biases.
  public var mlpBias: Bool
  /// Beginning- and end-of-sequence token ids, when the file names them.
  public var bosTokenID: Int32?
  public var eosTokenID: Int32?

  public init(
    architecture: Architecture, vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int,
    headCount: Int, kvHeadCount: Int? = nil, headDim: Int? = nil, contextLength: Int, normEpsilon: Float,
    ropeTheta: Double = 10000, ropeDimension: Int? = nil, ropeStyle: RotaryStyle = .halfSplit, tiedEmbeddings: Bool,
    attentionBias: Bool? = nil, attentionOutputBias: Bool? = nil, mlpBias: Bool? = nil, bosTokenID: Int32? = nil, eosTokenID: Int32? = nil
  ) {
    self.architecture = architecture
    self.vocabularySize = vocabularySize
    self.hiddenSize = hiddenSize
    self.intermediateSize = intermediateSize
    self.layerCount = layerCount
    self.headCount = headCount
    self.kvHeadCount = kvHeadCount ?? headCount
    let d = headDim ?? (headCount > 0 ? hiddenSize / headCount : 0)
    self.headDim = d
    self.contextLength = contextLength
    self.normEpsilon = normEpsilon
    self.ropeTheta = ropeTheta
    self.ropeDimension = ropeDimension ?? d
    self.ropeStyle = ropeStyle
    self.tiedEmbeddings = tiedEmbeddings
    self.attentionBias = attentionBias ?? (architecture == .gpt2)
    self.attentionOutputBias = attentionOutputBias ?? self.attentionBias
    self.mlpBias = mlpBias ?? (architecture == .gpt2)
    self.bosTokenID = bosTokenID
    self.eosTokenID = eosTokenID
  }

  // MARK: - Derived sizes

  /// Width of the fused Q|K|V projection output: (H + 2 Hkv) D.
  public var qkvWidth: Int { (headCount + 2 * kvHeadCount) * headDim }
  /// Width of the attention output before its projection: H D.
  public var attentionWidth: Int { headCount * headDim }
  /// Width of the first MLP projection: 2F for SwiGLU (gate | up), F for GPT-2.
  public var mlpInputWidth: Int { architecture.isLlamaFamily ? 2 * intermediateSize : intermediateSize }

  /// Floating-point operations per token in the layer projections (2 per multiply-add), the
  /// figure benchmarks divide by; attention scores and elementwise work are not counted.
  public func projectionFLOPsPerToken(layers: Int? = nil) -> Double {
    let perLayer = hiddenSize * qkvWidth + attentionWidth * hiddenSize + hiddenSize * mlpInputWidth + intermediateSize * hiddenSize
    return 2 * Double(perLayer) * Double(layers ?? layerCount)
  }

  // MARK: - Validation

  /// Rejects sizes the forward pass cannot run with; `file` names the source in the message.
  public func validate(file: String) throws {
    func bad(_ d: String) -> ModelError { .badConfiguration(file: file, detail: d) }
    for (name, v) in [
      ("vocabulary size", vocabularySize), ("hidden size", hiddenSize), ("intermediate size", intermediateSize),
      ("layer count", layerCount), ("head count", headCount), ("key/value head count", kvHeadCount),
      ("head size", headDim), ("context length", contextLength),
    ] {
      guard v > 0 else { throw bad("\(name) is \(v)") }
      guard v <= 1 << 24 else { throw bad("\(name) \(v) is implausibly large") }
    }
    guard headCount % kvHeadCount == 0 else {
      throw bad("\(headCount) attention heads cannot be grouped over \(kvHeadCount) key/value heads")
    }
    guard normEpsilon.isFinite, normEpsilon >= 0 else { throw bad("norm epsilon is \(normEpsilon)") }
    if architecture.isLlamaFamily {
      guard ropeDimension > 0, ropeDimension <= headDim, ropeDimension % 2 == 0 else {
        throw bad("rotary dimension \(ropeDimension) must be even and at most the head size \(headDim)")
      }
      guard ropeTheta.isFinite, ropeTheta > 0 else { throw bad("rotary base is \(ropeTheta)") }
    } else {
      guard headCount * headDim == hiddenSize else {
        throw bad("GPT-2 needs heads x head size (\(headCount) x \(headDim)) to equal the width \(hiddenSize)")
      }
    }
  }
}
