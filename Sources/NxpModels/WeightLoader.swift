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

  /// A `[n]` tensor into `m` starting at element `offset`.
  func vector(_ name: String, count n: Int, into m: FloatMatrix, offset: Int = 0) throws {
    let t = try require(name)
    try check(t, [n])
    try dequantize(t.type, t.bytes, count: n, into: m.pointer + offset)
  }

  /// A linear weight with `outputs` outputs and `inputs` inputs into rows
  /// `rowOffset..<rowOffset + outputs` of `m` (`[*, inputs]`, i.e. `[out, in]`).
  func linear(_ name: String, outputs: Int, inputs: Int, into m: FloatMatrix, rowOffset: Int = 0) throws {
    let t = try require(name)
    let destination = m.pointer + rowOffset * inputs
    if naming.inputMajorLinear {
      // Stored [in, out]: dequantize, then transpose into place.
      try check(t, [inputs, outputs])
      let stored = FloatMatrix(rows: inputs, columns: outputs)
      try dequantize(t.type, t.bytes, count: inputs * outputs, into: stored.pointer, threads: threads)
      for i in 0..<inputs {
        let row = stored.pointer + i * outputs
        for o in 0..<outputs { destination[o * inputs + i] = row[o] }
      }
    } else {
      try check(t, [outputs, inputs])
      try dequantize(t.type, t.bytes, count: outputs * inputs, into: destination, threads: threads)
    }
  }

  // MARK: - The whole model

  func load(into model: TransformerModel) throws {
    let c = configuration
    let C = c.hiddenSize, F = c.intermediateSize, D = c.headDim
    let qWidth = c.headCount * D, kvWidth = c.kvHeadCount * D
    for (l, w) in model.layers.enumerated() {
      func name(_ t: LayerTensor) -> String { naming.name(t, l) }
      try vector(name(.attentionNorm), count: C, into: w.attentionNorm)
      if let b = w.attentionNormBias { try vector(name(.attentionNormBias), count: C, into: b) }
      if naming.layer[.qkv] != nil {
        try linear(name(.qkv), outputs: c.qkvWidth, inputs: C, into: w.qkv)
        if let b = w.qkvBias { try vector(name(.qkvBias), count: c.qkvWidth, into: b) }
      } else {
        try linear(name(.q), outputs: qWidth, inputs: C, into: w.qkv)
        try linear(name(.k), outputs: kvWidth, inputs: C, into: w.qkv, rowOffset: qWidth)
        try linear(name(.v), outputs: kvWidth, inputs: C, into: w.qkv, rowOffset: qWidth + kvWidth)
        if let b = w.qkvBias {
          try vector(name(.qBias), count: qWidth, into: b)
          try vector(name(.kBias), count: kvWidth, into: b, offset: qWidth)
          try vector(name(.vBias), count: kvWidth, into: b, offset: qWidth + kvWidth)
        }
      }
      try linear(name(.attentionOutput), outputs: C, inputs: c.attentionWidth, into: w.attentionOutput)
      if let b = w.attentionOutputBias { try vector(name(.attentionOutputBias), count: C, into: b) }
      try vector(name(.mlpNorm), count: C, into: w.mlpNorm)
      if let b = w.mlpNormBias { try vector(name(.mlpNormBias), count: C, into: b) }
      switch c.architecture {
      case .llama:
        try linear(name(.gate), outputs: F, inputs: C, into: w.mlpIn)
        try linear(name(.up), outputs: F, inputs: C, into: w.mlpIn, rowOffset: F)
        if let b = w.mlpInBias {
          try vector(name(.gateBias), count: F, into: b)
          try vector(name(.upBias), count: F, into: b, offset: F)
        }
      case .gpt2:
        try linear(name(.up), outputs: F, inputs: C, into: w.mlpIn)
        if let b = w.mlpInBias { try vector(name(.upBias), count: F, into: b) }
      }
      try linear(name(.down), outputs: C, inputs: F, into: w.mlpOut)
      if let b = w.mlpOutBias { try vector(name(.downBias), count: C, into: b) }
    }

    let embedding = try require(naming.tokenEmbedding)
    try check(embedding, [c.vocabularySize, C])
    model.tokenTable.set(embedding)
    if let name = naming.positionEmbedding, let table = model.positionTable {
      let t = try require(name)
      guard t.shape.count == 2, t.shape[1] == C, t.shape[0] >= c.contextLength else {
        throw ModelError.wrongShape(tensor: name, expected: [c.contextLength, C], found: t.shape)
      }
      try dequantize(t.type, t.bytes, count: c.contextLength * C, into: table.pointer)
    }
    try vector(naming.finalNorm, count: C, into: model.finalNorm)
    if let name = naming.finalNormBias, let b = model.finalNormBias { try vector(name, count: C, into: b) }
    if !c.tiedEmbeddings {
      let output = try require(naming.output)
      try check(output, [c.vocabularySize, C])
      model.setOutputHead(output)
    }
  }
}
