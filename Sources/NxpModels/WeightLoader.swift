import Foundation
import NxpFormats
import NxpTensor

/// Copies a source's tensors into a configured model, converting every one to the float32
/// layout of `TransformerWeights`. Each expected tensor must be present with exactly the shape the
/// configuration implies; otherwise loading stops with an error naming it.
struct WeightLoader {
  let source: WeightSource
  let naming: TensorNaming
  let configuration: ModelConfiguration
  let threads: Int

  // MARK: - Single tensors

  func require(_ name: String) throws -> TensorData {
    guard let t = try source.tensor(name) else {
      throw ModelError.missingTensor(name: name, file: source.sourceDescription)
    }
    guard t.type.isSupported else { throw ModelError.unsupportedTensorType(tensor: name, type: "\(t.type)") }
    return t
  }

  func check(_ t: TensorData, _ shape: [Int]) throws {
    guard t.shape == shape else { throw ModelError.wrongShape(tensor: t.name, expected: shape, found: t.shape) }
  }

  /// A `[n]` tensor into `m` starting at element `offset` (only checked when `m` is nil).
  func vector(_ name: String, count n: Int, into m: FloatMatrix?, offset: Int = 0) throws {
    let t = try require(name)
    try check(t, [n])
    guard let m else { return }
    try dequantize(t.type, t.bytes, count: n, into: m.pointer + offset)
  }

  /// A linear weight with `outputs` outputs and `inputs` inputs into rows
  /// `rowOffset..<rowOffset + outputs` of `m` (`[*, inputs]`, i.e. `[out, in]`); only checked when
  /// `m` is nil.
  func linear(_ name: String, outputs: Int, inputs: Int, into m: FloatMatrix?, rowOffset: Int = 0) throws {
    let t = try require(name)
    try check(t, naming.inputMajorLinear ? [inputs, outputs] : [outputs, inputs])
    guard let m else { return }
    let destination = m.pointer + rowOffset * inputs
    if naming.inputMajorLinear {
      // Stored [in, out]: dequantize, then transpose into place.
      let stored = FloatMatrix(rows: inputs, columns: outputs)
      try dequantize(t.type, t.bytes, count: inputs * outputs, into: stored.pointer, threads: threads)
      for i in 0..<inputs {
        let row = stored.pointer + i * outputs
        for o in 0..<outputs { destination[o * inputs + i] = row[o] }
      }
    } else {
      try dequantize(t.type, t.bytes, count: outputs * inputs, into: destination, threads: threads)
    }
  }

  // MARK: - The whole model

  /// Fills `model` from the source. With `model` nil it only checks that every tensor is present
  /// with the right shape, so a corrupt configuration is caught before weights are allocated.
  func load(into model: TransformerModel?) throws {
    let c = configuration
    let C = c.hiddenSize, F = c.intermediateSize, D = c.headDim
    let qWidth = c.headCount * D, kvWidth = c.kvHeadCount * D
    let layerNorm = c.architecture == .gpt2
    for l in 0..<c.layerCount {
      let w = model?.layers[l]
      func name(_ t: LayerTensor) -> String { naming.name(t, l) }
      try vector(name(.attentionNorm), count: C, into: w?.attentionNorm)
      if layerNorm { try vector(name(.attentionNormBias), count: C, into: w?.attentionNormBias) }
      if naming.layer[.qkv] != nil {
        try linear(name(.qkv), outputs: c.qkvWidth, inputs: C, into: w?.qkv)
        if c.attentionBias { try vector(name(.qkvBias), count: c.qkvWidth, into: w?.qkvBias) }
      } else {
        try linear(name(.q), outputs: qWidth, inputs: C, into: w?.qkv)
        try linear(name(.k), outputs: kvWidth, inputs: C, into: w?.qkv, rowOffset: qWidth)
        try linear(name(.v), outputs: kvWidth, inputs: C, into: w?.qkv, rowOffset: qWidth + kvWidth)
        if c.attentionBias {
          try vector(name(.qBias), count: qWidth, into: w?.qkvBias)
          try vector(name(.kBias), count: kvWidth, into: w?.qkvBias, offset: qWidth)
          try vector(name(.vBias), count: kvWidth, into: w?.qkvBias, offset: qWidth + kvWidth)
        }
      }
      try linear(name(.attentionOutput), outputs: C, inputs: c.attentionWidth, into: w?.attentionOutput)
      if c.attentionOutputBias { try vector(name(.attentionOutputBias), count: C, into: w?.attentionOutputBias) }
      try vector(name(.mlpNorm), count: C, into: w?.mlpNorm)
      if layerNorm { try vector(name(.mlpNormBias), count: C, into: w?.mlpNormBias) }
      switch c.architecture {
      case .llama, .qwen2:
        try linear(name(.gate), outputs: F, inputs: C, into: w?.mlpIn)
        try linear(name(.up), outputs: F, inputs: C, into: w?.mlpIn, rowOffset: F)
        if c.mlpBias {
          try vector(name(.gateBias), count: F, into: w?.mlpInBias)
          try vector(name(.upBias), count: F, into: w?.mlpInBias, offset: F)
        }
      case .gpt2:
        try linear(name(.up), outputs: F, inputs: C, into: w?.mlpIn)
        if c.mlpBias { try vector(name(.upBias), count: F, into: w?.mlpInBias) }
      }
      try linear(name(.down), outputs: C, inputs: F, into: w?.mlpOut)
      if c.mlpBias { try vector(name(.downBias), count: C, into: w?.mlpOutBias) }
    }

    let embedding = try require(naming.tokenEmbedding)
    try check(embedding, [c.vocabularySize, C])
    model?.tokenTable.set(embedding)
    if let name = naming.positionEmbedding {
      let t = try require(name)
      guard t.shape.count == 2, t.shape[1] == C, t.shape[0] >= c.contextLength else {
        throw ModelError.wrongShape(tensor: name, expected: [c.contextLength, C], found: t.shape)
      }
      if let table = model?.positionTable { try dequantize(t.type, t.bytes, count: c.contextLength * C, into: table.pointer) }
    }
    try vector(naming.finalNorm, count: C, into: model?.finalNorm)
    if let name = naming.finalNormBias { try vector(name, count: C, into: model?.finalNormBias) }
    if !c.tiedEmbeddings {
      let output = try require(naming.output)
      try check(output, [c.vocabularySize, C])
      model?.setOutputHead(output)
    }
  }
}
