import Foundation
import NxpTensor

// The per-chunk computation shared by the batched forward and incremental decoding: embed n rows
// (or take their residual stream entering a later block), run blocks up to lastLayer, optionally
// produce logits. A chunk holds whole sequences (segments); rows never attend across segments.

/// Consecutive rows of one sequence within a chunk.
struct Segment {
  /// First row within the chunk.
  var row: Int
  var count: Int
  /// Position of the first row in its sequence (0 unless decoding after a prefix).
  var firstPosition: Int
  /// Keys/values of earlier positions; nil when the segment is the whole sequence so far.
  var cache: KVCache?
}

/// Where a chunk writes what was asked for. Pointers address the chunk's first row.
struct ChunkTargets {
  /// Layer -> `[n, F]` destination (row stride F).
  var neurons: [Int: UnsafeMutablePointer<Float>] = [:]
  /// Layer -> `[n, C]` destination.
  var residuals: [Int: UnsafeMutablePointer<Float>] = [:]
  /// Layer -> neurons replaced in some of the chunk's rows.
  var overrides: [Int: [ChunkOverride]] = [:]
  /// Start at this block from this residual stream (`[n, C]`) instead of the embedding.
  var start: (layer: Int, residual: UnsafePointer<Float>)?
  /// Logits destination: `[n, V]` for every row or `[segments, V]` for each segment's last row.
  var logits: UnsafeMutablePointer<Float>?
  var logitsForEveryRow = false
  /// Logits of these rows only (`[rows.count, V]`), when set; takes precedence over the above.
  var logitRows: [Int]?
}

/// One neuron replaced in rows `rows` of a chunk: row `rows.lowerBound + j` gets
/// `values[j * stride]` (stride 0 broadcasts one value).
struct ChunkOverride {
  var neuron: Int
  var rows: Range<Int>
  var values: UnsafePointer<Float>
  var stride: Int
}

extension TransformerModel {
  /// Callers reserve rotary positions up to the longest segment end first (the table must not
  /// grow while workers read it).
  func runChunk(
    tokens: UnsafePointer<Int32>, rows n: Int, segments: [Segment], lastLayer: Int, targets: ChunkTargets,
    workspace ws: Workspace
  ) throws {
    let c = configuration
    let C = c.hiddenSize, F = c.intermediateSize, D = c.headDim
    let H = c.headCount, Hkv = c.kvHeadCount
    let qkvWidth = c.qkvWidth, attnWidth = c.attentionWidth, kvWidth = Hkv * D
    let maxQueries = segments.map(\.count).max() ?? 0
    let maxKeys = segments.map { $0.firstPosition + $0.count }.max() ?? 0
    ws.prepare(rows: n, configuration: c, maxQueries: maxQueries, maxKeys: maxKeys)
    let x = ws.x.pointer, h = ws.h.pointer

    // MARK: Embedding (or the given residual stream)
    let firstLayer = targets.start?.layer ?? 0
    if let start = targets.start {
      x.update(from: start.residual, count: n * C)
    } else {
      for s in segments {
        for i in 0..<s.count {
          let row = x + (s.row + i) * C
          try tokenTable.lookup(Int(tokens[s.row + i]), into: row)
          if let positions = positionTable {
            Elementwise.add(row, positions.pointer + (s.firstPosition + i) * C, into: row, count: C)
          }
        }
      }
    }

    for l in firstLayer...max(firstLayer, lastLayer) where lastLayer >= firstLayer {
      let w = layers[l]

      // MARK: Attention: x += Wo attend(rope(Wqkv norm(x)))
      normalize(x, rows: n, weight: w.attentionNorm, bias: w.attentionNormBias, into: h)
      BLAS.sgemm(transposeB: true, m: n, n: qkvWidth, k: C, a: h, lda: C, b: w.qkv.pointer, ldb: C, c: ws.qkv.pointer, ldc: qkvWidth)
      if let b = w.qkvBias { Elementwise.addBias(ws.qkv.pointer, rows: n, columns: qkvWidth, ld: qkvWidth, bias: b.pointer) }
      for s in segments {
        let q = ws.qkv.pointer + s.row * qkvWidth
        let k = q + attnWidth, v = k + kvWidth
        if let rotary {
          rotary.apply(q, rows: s.count, ld: qkvWidth, heads: H, headDim: D, firstPosition: s.firstPosition, style: c.ropeStyle)
          rotary.apply(k, rows: s.count, ld: qkvWidth, heads: Hkv, headDim: D, firstPosition: s.firstPosition, style: c.ropeStyle)
        }
        let out = ws.attention.pointer + s.row * attnWidth
        if let cache = s.cache {
          let keys = cache.keys[l].pointer, values = cache.values[l].pointer
          Elementwise.copyRows(k, ldSrc: qkvWidth, into: keys + s.firstPosition * kvWidth, ldDst: kvWidth, rows: s.count, columns: kvWidth)
          Elementwise.copyRows(
            v, ldSrc: qkvWidth, into: values + s.firstPosition * kvWidth, ldDst: kvWidth, rows: s.count, columns: kvWidth)
          Attention.causal(
            q: q, ldq: qkvWidth, k: keys, ldk: kvWidth, v: values, ldv: kvWidth, queries: s.count, keys: s.firstPosition + s.count,
            heads: H, kvHeads: Hkv, headDim: D, scores: ws.scores.pointer, out: out, ldo: attnWidth)
        } else {
          Attention.causal(
            q: q, ldq: qkvWidth, k: k, ldk: qkvWidth, v: v, ldv: qkvWidth, queries: s.count, keys: s.count,
            heads: H, kvHeads: Hkv, headDim: D, scores: ws.scores.pointer, out: out, ldo: attnWidth)
        }
      }
      // beta = 1 adds the projection onto the residual stream in the same product.
      BLAS.sgemm(
        transposeB: true, m: n, n: C, k: attnWidth, a: ws.attention.pointer, lda: attnWidth, b: w.attentionOutput.pointer,
        ldb: attnWidth, beta: 1, c: x, ldc: C)
      if let b = w.attentionOutputBias { Elementwise.addBias(x, rows: n, columns: C, ld: C, bias: b.pointer) }

      // MARK: MLP: x += Wdown act(Win norm(x))
      normalize(x, rows: n, weight: w.mlpNorm, bias: w.mlpNormBias, into: h)
      let mlpWidth = c.mlpInputWidth
      BLAS.sgemm(transposeB: true, m: n, n: mlpWidth, k: C, a: h, lda: C, b: w.mlpIn.pointer, ldb: C, c: ws.mlp.pointer, ldc: mlpWidth)
      let neurons = targets.neurons[l] ?? ws.neurons.pointer
      switch c.architecture {
      case .llama, .qwen2:
        if let b = w.mlpInBias { Elementwise.addBias(ws.mlp.pointer, rows: n, columns: mlpWidth, ld: mlpWidth, bias: b.pointer) }
        Activations.swiGLU(gate: ws.mlp.pointer, up: ws.mlp.pointer + F, ldIn: mlpWidth, rows: n, width: F, into: neurons, ldOut: F)
      case .gpt2:
        Activations.biasGELU(ws.mlp.pointer, ldIn: F, bias: w.mlpInBias?.pointer, rows: n, width: F, into: neurons, ldOut: F)
      }
      for o in targets.overrides[l] ?? [] {
        for (j, r) in o.rows.enumerated() { neurons[r * F + o.neuron] = o.values[j * o.stride] }
      }
      BLAS.sgemm(transposeB: true, m: n, n: C, k: F, a: neurons, lda: F, b: w.mlpOut.pointer, ldb: F, beta: 1, c: x, ldc: C)
      if let b = w.mlpOutBias { Elementwise.addBias(x, rows: n, columns: C, ld: C, bias: b.pointer) }

      if let residual = targets.residuals[l] { residual.update(from: x, count: n * C) }
    }

    // MARK: Output head
    guard let logits = targets.logits else { return }
    let head = try outputHead()
    let V = c.vocabularySize
    if let rows = targets.logitRows {
      for (j, r) in rows.enumerated() { normalize(x + r * C, rows: 1, weight: finalNorm, bias: finalNormBias, into: h + j * C) }
      guard !rows.isEmpty else { return }
      BLAS.sgemm(transposeB: true, m: rows.count, n: V, k: C, a: h, lda: C, b: head.pointer, ldb: C, c: logits, ldc: V)
    } else if targets.logitsForEveryRow {
      normalize(x, rows: n, weight: finalNorm, bias: finalNormBias, into: h)
      BLAS.sgemm(transposeB: true, m: n, n: V, k: C, a: h, lda: C, b: head.pointer, ldb: C, c: logits, ldc: V)
    } else {
      for (j, s) in segments.enumerated() {
        normalize(x + (s.row + s.count - 1) * C, rows: 1, weight: finalNorm, bias: finalNormBias, into: h + j * C)
      }
      BLAS.sgemm(transposeB: true, m: segments.count, n: V, k: C, a: h, lda: C, b: head.pointer, ldb: C, c: logits, ldc: V)
    }
  }

  /// RMSNorm (llama) or LayerNorm (gpt2) of `rows` rows of width C.
  @inline(__always)
  func normalize(_ x: UnsafePointer<Float>, rows: Int, weight: FloatMatrix, bias: FloatMatrix?, into out: UnsafeMutablePointer<Float>) {
    let C = configuration.hiddenSize
    switch configuration.architecture {
    case .llama, .qwen2:
      Norms.rmsNorm(x, ldIn: C, rows: rows, width: C, weight: weight.pointer, epsilon: configuration.normEpsilon, into: out, ldOut: C)
    case .gpt2:
      Norms.layerNorm(
        x, ldIn: C, rows: rows, width: C, weight: weight.pointer, bias: bias?.pointer, epsilon: configuration.normEpsilon,
        into: out, ldOut: C)
    }
  }
}
