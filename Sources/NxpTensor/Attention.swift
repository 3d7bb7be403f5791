import Foundation

// Causal multi-head attention with grouped keys/values (GQA) for one sequence.

/// Scaled dot-product attention kernels.
public enum Attention {
  /// Attention of `queries` query rows over `keys` key rows of one sequence. The queries are the
  /// last `queries` positions of the `keys` positions (equal counts without a cache), so query i
  /// sees keys 0...(keys - queries + i).
  ///
  /// - q: `[Tq, H*D]`, rows `ldq` apart; head h is columns h*D..<(h+1)*D.
  /// - k, v: `[Tk, Hkv*D]`, rows `ldk`/`ldv` apart; query head h reads kv head h / (H / Hkv).
  /// - scores: scratch of at least `Tq * Tk` floats.
  /// - out: `[Tq, H*D]`, rows `ldo` apart.
  public static func causal(
    q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
    queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int,
    scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, ldo: Int
  ) {
    precondition(queries <= keys && heads % kvHeads == 0, "bad attention shape")
    let group = heads / kvHeads
    let scale = 1 / Float(headDim).squareRoot()
    let past = keys - queries
    for h in 0..<heads {
      let g = h / group
      // scores [Tq, Tk] = scale * Q_h K_g^T
      BLAS.sgemm(
        transposeB: true, m: queries, n: keys, k: headDim, alpha: scale, a: q + h * headDim, lda: ldq,
        b: k + g * headDim, ldb: ldk, c: scores, ldc: keys)
      for i in 0..<queries {
        let row = scores + i * keys
        let visible = past + i + 1
        Softmax.softmax(row, count: visible)
        if visible < keys { (row + visible).update(repeating: 0, count: keys - visible) }
      }
      // out_h [Tq, D] = P V_g
      BLAS.sgemm(
        m: queries, n: headDim, k: keys, a: scores, lda: keys, b: v + g * headDim, ldb: ldv,
        c: out + h * headDim, ldc: ldo)
    }
  }
}
