import Foundation
import NxpCore
import NxpTensor

// Weight-based relations of MLP neurons, as the neuron viewer of Bills et al. (2023) shows them
// ("related neurons" and "related tokens"): products of weights alone. Norm biases, the
// normalisation itself, attention and positions are left out, as in the paper.
//
// With the weights as LayerWeights stores them (input projection `in` [kF, C], output projection
// `out` [C, F]) and g the gain of the pre-MLP norm of the layer a path enters:
//   neuron n' of l' -> neuron n of l (l' < l)   out_l'[:, n'] . (g_l * in_l[n, :])
//   input token t -> neuron n of l             E[t, :]       . (g_l * in_l[n, :])
//   neuron n of l -> output token t            out_l[:, n]   . (g_final * U[t, :])
// E is the token embedding and U the unembedding (E again when tied). For GPT-2, `in` is c_fc and
// g is ln_2's weight: the README of automated-interpretability's formula exactly.
//
// SwiGLU (Llama, SmolLM2, Qwen2) computes silu(gate . x) * (up . x), so a neuron has two input
// projections. The lists are ranked by the gate: its pre-activation is the one that goes through
// the nonlinearity and decides whether the neuron fires at all (silu is nearly 0 below about -4,
// whatever up says), which is the role c_fc's pre-activation has in GPT-2, so a gate weight means
// what the paper's input weight means. The up projection then scales and signs an open gate's
// output linearly; its weight along the same path is reported beside every entry (`up`). An
// upstream neuron with positive gate and up weights pushes the neuron towards the positive
// activations its records rank; positive gate with negative up opens it towards negative ones.

/// A related neuron and the weight of the path between the two.
public struct WeightedNeuron: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  /// Through the input projection: GPT-2's c_fc, SwiGLU's gate.
  public var weight: Float
  /// SwiGLU: the same path into the up projection. nil for GPT-2 (one input projection).
  public var up: Float?

  public init(layer: Int, neuron: Int, weight: Float, up: Float?) {
    self.layer = layer
    self.neuron = neuron
    self.weight = weight
    self.up = up
  }
}

/// A related token and the strength of its path to or from the neuron.
public struct WeightedToken: Hashable, Codable, Sendable {
  public var token: Int32
  public var strength: Float
  /// SwiGLU input tokens: the strength into the up projection; nil otherwise.
  public var up: Float?

  public init(token: Int32, strength: Float, up: Float?) {
    self.token = token
    self.strength = strength
    self.up = up
  }
}

/// The strongest positive entries (largest first) and negative ones (most negative first).
public struct Ranked<Item: Hashable & Codable & Sendable>: Hashable, Codable, Sendable {
  public var positive: [Item]
  public var negative: [Item]

  public init(positive: [Item], negative: [Item]) {
    self.positive = positive
    self.negative = negative
  }
}

/// One neuron's weight-based relations.
public struct WeightRelations: Hashable, Sendable {
  public var layer: Int
  public var neuron: Int
  /// Neurons of earlier layers by the weight of their path into this one; nil in layer 0, which
  /// has no earlier layer.
  public var upstream: Ranked<WeightedNeuron>?
  /// Neurons of later layers by the weight of this neuron's path into them; nil in the last layer.
  public var downstream: Ranked<WeightedNeuron>?
  /// Tokens whose embedding drives the neuron's input projection up (positive) or down.
  public var inputTokens: Ranked<WeightedToken>
  /// Tokens whose logits the neuron's output promotes (positive) or suppresses.
  public var outputTokens: Ranked<WeightedToken>
}

extension TransformerModel {
  /// Whether neurons have SwiGLU's second input projection (up), reported beside the gate.
  public var hasUpProjection: Bool { configuration.architecture.isLlamaFamily }

  /// The weights of every path from neurons `neurons` of layer `from` (all when nil) into the
  /// neurons of layer `to` (> `from`): `[m, kF]`, row i for `neurons[i]`; columns `0..<F` through
  /// the input projection (c_fc or gate), and for SwiGLU columns `F..<2F` through up. One sgemm.
  public func connections(from: Int, to: Int, neurons: [Int]? = nil) throws -> FloatMatrix {
    let c = configuration
    try checkLayer(from)
    try checkLayer(to)
    guard from < to else { throw ModelError.layerPairOutOfOrder(from: from, to: to) }
    let chosen = neurons ?? Array(0..<c.intermediateSize)
    try checkNeurons(chosen, layer: from)
    return ComputeLock.run {
      BLAS.threads = threads
      let product = FloatMatrix(rows: chosen.count, columns: c.mlpInputWidth)
      downstreamProducts(outputColumns(layer: from, neurons: chosen), into: to, throughUp: hasUpProjection, product: product)
      return product
    }
  }

  /// Weight-based relations of neurons `neurons` of `layer`: the `top` strongest positive and
  /// negative upstream and downstream neurons, and the `tokens` strongest input and output tokens.
  /// Every layer pair is one sgemm for all the neurons, through the input projection that ranks
  /// (c_fc or gate); SwiGLU's up weights are then computed for the entries kept only. Tokens are
  /// taken in blocks of neurons so the `[neurons, V]` strengths stay near 64 MB. `step` is called
  /// after each layer pair and token block with how many of `steps(layer:neurons:)` are done.
  public func weightRelations(
    layer: Int, neurons: [Int], top: Int, tokens: Int, step: ((Int) throws -> Void)? = nil
  ) throws -> [WeightRelations] {
    try checkLayer(layer)
    try checkNeurons(neurons, layer: layer)
    guard !neurons.isEmpty else { return [] }
    return try ComputeLock.run {
      BLAS.threads = threads
      var done = 0
      func advance() throws {
        done += 1
        try Cancellation.check()
        try step?(done)
      }
      let L = configuration.layerCount
      let inputs = inputRows(layer: layer, neurons: neurons)
      let outputs = outputColumns(layer: layer, neurons: neurons)
      // One buffer for every layer pair's products: fresh pages would cost more than the scans.
      let product = FloatMatrix(rows: neurons.count, columns: configuration.intermediateSize)
      var upstream = neurons.map { _ in SignedExtremes(count: top) }
      for earlier in 0..<layer {
        scanUpstream(inputs, from: earlier, into: product, keeping: &upstream)
        try advance()
      }
      var downstream = neurons.map { _ in SignedExtremes(count: top) }
      for later in (layer + 1)..<L {
        scanDownstream(outputs, into: later, buffer: product, keeping: &downstream)
        try advance()
      }
      let (input, output, embedding) = try tokenExtremes(inputs: inputs, outputs: outputs, count: tokens, advance: advance)
      let m = neurons.count, F = configuration.intermediateSize, C = configuration.hiddenSize
      let up = hasUpProjection
      // SwiGLU's up weights of the kept entries, each one dot product along the same path.
      func upstreamUp(_ i: Int, _ key: Int) -> Float? {
        guard up else { return nil }
        return dot(inputs.pointer + (m + i) * C, layers[key / F].mlpOut.pointer + key % F, strideB: F, count: C)
      }
      func downstreamUp(_ i: Int, _ key: Int) -> Float? {
        guard up else { return nil }
        let w = layers[key / F]
        return dot(outputs.pointer + i * C, w.mlpNorm.pointer, w.mlpIn.pointer + (F + key % F) * C, count: C)
      }
      func inputUp(_ i: Int, _ token: Int) -> Float? {
        guard up else { return nil }
        return dot(inputs.pointer + (m + i) * C, embedding.pointer + token * C, strideB: 1, count: C)
      }
      return neurons.indices.map { i in
        WeightRelations(
          layer: layer, neuron: neurons[i], upstream: layer > 0 ? rankedNeurons(upstream[i]) { upstreamUp(i, $0) } : nil,
          downstream: layer < L - 1 ? rankedNeurons(downstream[i]) { downstreamUp(i, $0) } : nil,
          inputTokens: rankedTokens(input[i]) { inputUp(i, $0) }, outputTokens: rankedTokens(output[i]) { _ in nil })
      }
    }
  }

  /// How many times `weightRelations` calls its `step` for `neurons` neurons of `layer`.
  public func steps(layer: Int, neurons: Int) -> Int {
    (configuration.layerCount - 1) + 2 * ((neurons + tokenBlock(neurons) - 1) / tokenBlock(neurons))
  }

  // MARK: - Checks

  private func checkLayer(_ l: Int) throws {
    guard l >= 0 && l < configuration.layerCount else { throw ModelError.layerOutOfRange(layer: l, layerCount: configuration.layerCount) }
  }

  private func checkNeurons(_ neurons: [Int], layer: Int) throws {
    let F = configuration.intermediateSize
    for n in neurons where n < 0 || n >= F { throw ModelError.neuronOutOfRange(layer: layer, neuron: n, neuronCount: F) }
  }

  // MARK: - Weight rows

  /// `[k m, C]`: the input-projection rows of the neurons times the layer's pre-MLP norm gain;
  /// the gate (or c_fc) rows first, then for SwiGLU the up rows.
  private func inputRows(layer: Int, neurons: [Int]) -> FloatMatrix {
    let C = configuration.hiddenSize, F = configuration.intermediateSize
    let k = hasUpProjection ? 2 : 1, m = neurons.count
    let w = layers[layer]
    let rows = FloatMatrix(rows: k * m, columns: C)
    for part in 0..<k {
      for (i, n) in neurons.enumerated() {
        let source = w.mlpIn.pointer + (part * F + n) * C
        let target = rows.pointer + (part * m + i) * C
        for j in 0..<C { target[j] = source[j] * w.mlpNorm.pointer[j] }
      }
    }
    return rows
  }

  /// `[m, C]`: the output-projection columns of the neurons (what each adds to the residual).
  private func outputColumns(layer: Int, neurons: [Int]) -> FloatMatrix {
    let C = configuration.hiddenSize, F = configuration.intermediateSize
    let out = layers[layer].mlpOut
    let rows = FloatMatrix(rows: neurons.count, columns: C)
    for (i, n) in neurons.enumerated() {
      for j in 0..<C { rows.pointer[i * C + j] = out.pointer[j * F + n] }
    }
    return rows
  }

  /// The first `rows` rows of `matrix` (`[*, C]`) scaled by `gain` (`[1, C]`).
  private func scaled(_ matrix: FloatMatrix, rows: Range<Int>, by gain: FloatMatrix) -> FloatMatrix {
    let C = matrix.columns
    let s = FloatMatrix(rows: rows.count, columns: C)
    for (i, r) in rows.enumerated() {
      for j in 0..<C { s.pointer[i * C + j] = matrix.pointer[r * C + j] * gain.pointer[j] }
    }
    return s
  }

  /// Sets `product` to `[m, F]` (or `[m, 2F]` through up too): paths from the neurons whose
  /// output columns are `outputs` into every neuron of `layer`, through its norm gain and input
  /// projection.
  private func downstreamProducts(_ outputs: FloatMatrix, into layer: Int, throughUp: Bool, product: FloatMatrix) {
    let C = configuration.hiddenSize, F = configuration.intermediateSize
    let w = layers[layer]
    let a = scaled(outputs, rows: 0..<outputs.rows, by: w.mlpNorm)
    // mlpIn holds the gate (or c_fc) rows first, then up's.
    let n = throughUp ? 2 * F : F
    product.reshape(rows: outputs.rows, columns: n)
    BLAS.sgemm(transposeB: true, m: a.rows, n: n, k: C, a: a.pointer, lda: C, b: w.mlpIn.pointer, ldb: C, c: product.pointer, ldc: n)
  }

  /// `sum a[j] * b[j * strideB]` over `count` floats, accumulated in double.
  private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, strideB: Int, count: Int) -> Float {
    var sum = 0.0
    for j in 0..<count { sum += Double(a[j]) * Double(b[j * strideB]) }
    return Float(sum)
  }

  /// `sum a[j] * g[j] * b[j]` over `count` floats, accumulated in double.
  private func dot(_ a: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var sum = 0.0
    for j in 0..<count { sum += Double(a[j]) * Double(g[j]) * Double(b[j]) }
    return Float(sum)
  }

  // MARK: - Scans

  private func scanDownstream(
    _ outputs: FloatMatrix, into later: Int, buffer product: FloatMatrix, keeping extremes: inout [SignedExtremes]
  ) {
    let F = configuration.intermediateSize
    downstreamProducts(outputs, into: later, throughUp: false, product: product)
    scanRows(outputs.rows, &extremes) { i, e in
      let row = product.pointer + i * F
      for j in 0..<F { e.offer(row[j], key: later * F + j) }
    }
  }

  private func scanUpstream(
    _ inputs: FloatMatrix, from earlier: Int, into product: FloatMatrix, keeping extremes: inout [SignedExtremes]
  ) {
    let C = configuration.hiddenSize, F = configuration.intermediateSize
    let out = layers[earlier].mlpOut
    // [m, F] from the gate (or c_fc) rows of `inputs`, its first m rows.
    let m = extremes.count
    product.reshape(rows: m, columns: F)
    BLAS.sgemm(m: m, n: F, k: C, a: inputs.pointer, lda: C, b: out.pointer, ldb: F, c: product.pointer, ldc: F)
    scanRows(m, &extremes) { i, e in
      let row = product.pointer + i * F
      for j in 0..<F { e.offer(row[j], key: earlier * F + j) }
    }
  }

  /// Neurons per token block: `[block, V]` floats stay near 64 MB.
  private func tokenBlock(_ neurons: Int) -> Int {
    max(1, min(neurons, (16 << 20) / max(1, configuration.vocabularySize)))
  }

  /// Input and output token extremes, a block of neurons at a time, and the token embedding the
  /// input side read.
  private func tokenExtremes(
    inputs: FloatMatrix, outputs: FloatMatrix, count: Int, advance: () throws -> Void
  ) throws -> ([SignedExtremes], [SignedExtremes], FloatMatrix) {
    let C = configuration.hiddenSize, V = configuration.vocabularySize
    let m = outputs.rows
    let head = try outputHead()
    // The input side reads the token embedding; tied models share it with the head.
    let embedding = configuration.tiedEmbeddings ? head : try tokenTable.dequantizedMatrix(threads: threads)
    let block = tokenBlock(m)
    var input = (0..<m).map { _ in SignedExtremes(count: count) }
    var output = (0..<m).map { _ in SignedExtremes(count: count) }
    let strengths = FloatMatrix(rows: block, columns: V)
    for start in stride(from: 0, to: m, by: block) {
      let b = min(block, m - start)
      // Input: [b, C] (the block's gate or c_fc rows of `inputs`, gain applied) x E^T.
      BLAS.sgemm(
        transposeB: true, m: b, n: V, k: C, a: inputs.pointer + start * C, lda: C, b: embedding.pointer, ldb: C,
        c: strengths.pointer, ldc: V)
      try scanBlock(strengths, rows: b, into: &input, from: start)
      try advance()
      // Output: [b, C] x diag(g_final) x U^T.
      let a = scaled(outputs, rows: start..<(start + b), by: finalNorm)
      BLAS.sgemm(transposeB: true, m: b, n: V, k: C, a: a.pointer, lda: C, b: head.pointer, ldb: C, c: strengths.pointer, ldc: V)
      try scanBlock(strengths, rows: b, into: &output, from: start)
      try advance()
    }
    return (input, output, embedding)
  }

  /// Offers row i of `strengths` (token t at column t) to `extremes[from + i]`.
  private func scanBlock(_ strengths: FloatMatrix, rows b: Int, into extremes: inout [SignedExtremes], from start: Int) throws {
    let V = strengths.columns
    var slice = Array(extremes[start..<(start + b)])
    scanRows(b, &slice) { i, e in
      let row = strengths.pointer + i * V
      for t in 0..<V { e.offer(row[t], key: t) }
    }
    extremes.replaceSubrange(start..<(start + b), with: slice)
  }

  /// Runs `body(i, &extremes[i])` for every row, rows split over the model's threads.
  private func scanRows(_ count: Int, _ extremes: inout [SignedExtremes], _ body: (Int, inout SignedExtremes) -> Void) {
    guard count > 0 else { return }
    let parts = Parallel.ranges(count, parts: max(1, threads))
    extremes.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress!
      Parallel.forEach(parts.count) { p in
        for i in parts[p] { body(i, &base[i]) }
      }
    }
  }

  // MARK: - Results

  private func rankedNeurons(_ e: SignedExtremes, up: (Int) -> Float?) -> Ranked<WeightedNeuron> {
    let F = configuration.intermediateSize
    func item(_ x: SignedExtremes.Entry) -> WeightedNeuron {
      WeightedNeuron(layer: x.key / F, neuron: x.key % F, weight: x.value, up: up(x.key))
    }
    return Ranked(positive: e.positive.map(item), negative: e.negative.map(item))
  }

  private func rankedTokens(_ e: SignedExtremes, up: (Int) -> Float?) -> Ranked<WeightedToken> {
    func item(_ x: SignedExtremes.Entry) -> WeightedToken { WeightedToken(token: Int32(x.key), strength: x.value, up: up(x.key)) }
    return Ranked(positive: e.positive.map(item), negative: e.negative.map(item))
  }
}
