import NxpTensor

/// One worker's scratch buffers for a chunk of n rows (shapes per the NxpTensor legend). They are
/// reshaped, not reallocated, while chunks fit, so steady-state batches allocate nothing.
final class Workspace {
  /// `[n, C]` residual stream.
  let x = FloatMatrix(rows: 0, columns: 0)
  /// `[n, C]` normalised input of the current sub-block (also the gathered rows for logits).
  let h = FloatMatrix(rows: 0, columns: 0)
  /// `[n, (H + 2Hkv) D]` fused Q|K|V projection.
  let qkv = FloatMatrix(rows: 0, columns: 0)
  /// `[n, H D]` attention output before its projection.
  let attention = FloatMatrix(rows: 0, columns: 0)
  /// `[n, 2F]` gate|up (SwiGLU) or `[n, F]` pre-activation (GPT-2).
  let mlp = FloatMatrix(rows: 0, columns: 0)
  /// `[n, F]` neurons of layers that are not captured.
  let neurons = FloatMatrix(rows: 0, columns: 0)
  /// `[Tq, Tk]` attention scores of one head.
  let scores = FloatMatrix(rows: 0, columns: 0)

  func prepare(rows n: Int, configuration c: ModelConfiguration, maxQueries: Int, maxKeys: Int) {
    x.reshape(rows: n, columns: c.hiddenSize)
    h.reshape(rows: n, columns: c.hiddenSize)
    qkv.reshape(rows: n, columns: c.qkvWidth)
    attention.reshape(rows: n, columns: c.attentionWidth)
    mlp.reshape(rows: n, columns: c.mlpInputWidth)
    neurons.reshape(rows: n, columns: c.intermediateSize)
    scores.reshape(rows: maxQueries, columns: maxKeys)
  }
}

/// Keys and values of past positions for incremental decoding: per layer `[capacity, Hkv D]`.
final class KVCache {
  private(set) var keys: [FloatMatrix]
  private(set) var values: [FloatMatrix]
  private(set) var capacity: Int
  let width: Int

  init(layers: Int, width: Int, capacity: Int) {
    self.width = width
    self.capacity = capacity
    keys = (0..<layers).map { _ in FloatMatrix(rows: capacity, columns: width) }
    values = (0..<layers).map { _ in FloatMatrix(rows: capacity, columns: width) }
  }

  /// Grows (doubling) so positions 0..<n fit, keeping the first `used` positions.
  func reserve(_ n: Int, used: Int) {
    guard n > capacity else { return }
    var newCapacity = max(1, capacity)
    while newCapacity < n { newCapacity *= 2 }
    func grown(_ old: FloatMatrix) -> FloatMatrix {
      let m = FloatMatrix(rows: newCapacity, columns: width)
      m.pointer.update(from: old.pointer, count: used * width)
      return m
    }
    keys = keys.map(grown)
    values = values.map(grown)
    capacity = newCapacity
  }
}
