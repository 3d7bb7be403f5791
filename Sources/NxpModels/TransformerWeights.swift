import Foundation
import NxpFormats
import NxpTensor

// Float32 weights in the layouts the forward pass multiplies with. Linear weights are stored
// `[out, in]` (multiplied as x W^T); Q|K|V and, for SwiGLU, gate|up are stacked into one matrix so
// each takes a single product.

/// One transformer block's parameters.
final class LayerWeights {
  /// `[1, C]` pre-attention norm weight and (LayerNorm) bias.
  let attentionNorm: FloatMatrix
  let attentionNormBias: FloatMatrix?
  /// `[(H + 2Hkv) D, C]`: query rows, then key rows, then value rows.
  let qkv: FloatMatrix
  /// `[1, (H + 2Hkv) D]`
  let qkvBias: FloatMatrix?
  /// `[C, H D]`
  let attentionOutput: FloatMatrix
  /// `[1, C]`
  let attentionOutputBias: FloatMatrix?
  /// `[1, C]` pre-MLP norm weight and bias.
  let mlpNorm: FloatMatrix
  let mlpNormBias: FloatMatrix?
  /// `[2F, C]` (gate rows, then up rows) for SwiGLU; `[F, C]` for GPT-2.
  let mlpIn: FloatMatrix
  /// `[1, 2F]` or `[1, F]`
  let mlpInBias: FloatMatrix?
  /// `[C, F]`
  let mlpOut: FloatMatrix
  /// `[1, C]`
  let mlpOutBias: FloatMatrix?

  init(_ c: ModelConfiguration) {
    let C = c.hiddenSize, F = c.intermediateSize
    let layerNorm = c.architecture == .gpt2
    attentionNorm = FloatMatrix(rows: 1, columns: C)
    attentionNormBias = layerNorm ? FloatMatrix(rows: 1, columns: C) : nil
    qkv = FloatMatrix(rows: c.qkvWidth, columns: C)
    qkvBias = c.attentionBias ? FloatMatrix(rows: 1, columns: c.qkvWidth) : nil
    attentionOutput = FloatMatrix(rows: C, columns: c.attentionWidth)
    attentionOutputBias = c.attentionOutputBias ? FloatMatrix(rows: 1, columns: C) : nil
    mlpNorm = FloatMatrix(rows: 1, columns: C)
    mlpNormBias = layerNorm ? FloatMatrix(rows: 1, columns: C) : nil
    mlpIn = FloatMatrix(rows: c.mlpInputWidth, columns: C)
    mlpInBias = c.mlpBias ? FloatMatrix(rows: 1, columns: c.mlpInputWidth) : nil
    mlpOut = FloatMatrix(rows: C, columns: F)
    mlpOutBias = c.mlpBias ? FloatMatrix(rows: 1, columns: C) : nil
  }

  /// Every parameter with a short role name, for loaders and random initialisation.
  var all: [(String, FloatMatrix)] {
    var list: [(String, FloatMatrix)] = [("attention norm", attentionNorm)]
    if let attentionNormBias { list.append(("attention norm bias", attentionNormBias)) }
    list.append(("qkv", qkv))
    if let qkvBias { list.append(("qkv bias", qkvBias)) }
    list.append(("attention output", attentionOutput))
    if let attentionOutputBias { list.append(("attention output bias", attentionOutputBias)) }
    list.append(("mlp norm", mlpNorm))
    if let mlpNormBias { list.append(("mlp norm bias", mlpNormBias)) }
    list.append(("mlp in", mlpIn))
    if let mlpInBias { list.append(("mlp in bias", mlpInBias)) }
    list.append(("mlp out", mlpOut))
    if let mlpOutBias { list.append(("mlp out bias", mlpOutBias)) }
    return list
  }

  var floatCount: Int { all.reduce(0) { $0 + $1.1.count } }
}

/// The token embedding `[V, C]`, kept in its stored type (e.g. Q8_0 in the mapped file) and
/// dequantized one row per lookup.
final class TokenTable: @unchecked Sendable {
  let rows: Int
  let width: Int
  private(set) var data: TensorData?

  /// A table of zeros until `data` is set (a freshly configured model).
  init(rows: Int, width: Int) {
    self.rows = rows
    self.width = width
  }

  /// Installs stored rows; the caller has checked the shape `[rows, width]`.
  func set(_ data: TensorData) { self.data = data }

  /// Writes row `token` to `out` (`width` floats).
  func lookup(_ token: Int, into out: UnsafeMutablePointer<Float>) throws {
    guard let data else {
      out.update(repeating: 0, count: width)
      return
    }
    try dequantizeRows(data.type, data.bytes, rowLength: width, rows: token..<(token + 1), into: out)
  }

  /// The whole table as float32 `[V, C]` (for a tied output head).
  func dequantizedMatrix(threads: Int) throws -> FloatMatrix {
    let m = FloatMatrix(rows: rows, columns: width)
    if let data { try dequantize(data.type, data.bytes, count: rows * width, into: m.pointer, threads: threads) }
    return m
  }
}
