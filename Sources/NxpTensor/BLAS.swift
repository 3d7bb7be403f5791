import CBLAS

/// Row-major single-precision matrix products through OpenBLAS.
public enum BLAS {
  /// OpenBLAS's thread count for subsequent calls. It is process-wide: callers that change it
  /// must not run products concurrently with other callers (the models hold `ComputeLock`).
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }

  /// The kernel family OpenBLAS chose for this CPU when it loaded ("Haswell", "SkylakeX",
  /// "Prescott"...): it sets the speed, and the last digits of float results.
  public static var kernel: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// `C = alpha * op(A) * op(B) + beta * C` with `op(A)` `[m, k]`, `op(B)` `[k, n]`, `C` `[m, n]`,
  /// all row-major. With `transposeB`, `B` is stored `[n, k]` (a weight stored `[out, in]`).
  @inline(__always)
  public static func sgemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    if m == 1 {
      // A single row (token-by-token decoding): a matrix-vector product streams B once, where
      // sgemm would first copy it into packed panels.
      let incA = Int32(transposeA ? lda : 1)
      if transposeB {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, incA, beta, c, 1)
      } else {
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, incA, beta, c, 1)
      }
      return
    }
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}
