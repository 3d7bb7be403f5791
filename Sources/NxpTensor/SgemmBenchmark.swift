import Foundation

/// Measures this machine's OpenBLAS sgemm rate, the ceiling for the model forward.
public enum SgemmBenchmark {
  /// One measured product shape and its rate.
  public struct Measurement: Sendable, CustomStringConvertible {
    /// The product's shape: `[m, k] x [k, n]`.
    public var m: Int, n: Int, k: Int
    /// OpenBLAS threads per product.
    public var threads: Int
    /// Products run at the same time, each on its own thread (1 = a single caller).
    public var concurrentCallers: Int
    /// B stored `[n, k]`, as model weights are.
    public var transposeB: Bool
    /// Wall time of the timed repetitions (the longest caller's).
    public var seconds: Double
    /// Floating-point operations per second over all callers, in GFLOP/s (2*m*n*k per product).
    public var gflops: Double

    public var description: String {
      let shape = "\(m)x\(n)x\(k)\(transposeB ? " (B transposed)" : "")"
      let who =
        concurrentCallers > 1
        ? "\(concurrentCallers) concurrent callers x \(threads) thread" : "\(threads) thread\(threads == 1 ? "" : "s")"
      return String(format: "sgemm %@, %@: %.1f GFLOP/s", shape, who, gflops)
    }
  }

  /// Runs `C[m,n] = A[m,k] B[k,n]` repeatedly for at least `minimumSeconds` with `threads` OpenBLAS
  /// threads; with `concurrentCallers` > 1 that many callers run single-threaded products at
  /// once (how the batched forward uses the cores). Restores the previous thread count.
  public static func measure(
    m: Int, n: Int, k: Int, threads: Int, concurrentCallers: Int = 1, transposeB: Bool = false,
    minimumSeconds: Double = 0.5
  ) -> Measurement {
    ComputeLock.run {
      let saved = BLAS.threads
      defer { BLAS.threads = saved }
      BLAS.threads = concurrentCallers > 1 ? 1 : threads
      let callers = max(1, concurrentCallers)
      var flops = [Double](repeating: 0, count: callers)
      var elapsed = [Double](repeating: 0, count: callers)
      flops.withUnsafeMutableBufferPointer { f in
        elapsed.withUnsafeMutableBufferPointer { e in
          let fAddress = f.baseAddress!, eAddress = e.baseAddress!
          Parallel.forEach(callers) { caller in
            let a = FloatMatrix(rows: m, columns: k), b = FloatMatrix(rows: k, columns: n), c = FloatMatrix(rows: m, columns: n)
            for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.25 - 0.5 }
            for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.125 - 0.25 }
            // One warm-up product lets OpenBLAS allocate its buffers outside the timing.
            BLAS.sgemm(
              transposeB: transposeB, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: transposeB ? k : n, c: c.pointer, ldc: n)
            var reps = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var seconds = 0.0
            repeat {
              BLAS.sgemm(
                transposeB: transposeB, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: transposeB ? k : n, c: c.pointer, ldc: n)
              reps += 1
              seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while seconds < minimumSeconds
            (fAddress + caller).pointee = 2 * Double(m) * Double(n) * Double(k) * Double(reps)
            (eAddress + caller).pointee = seconds
          }
        }
      }
      let seconds = elapsed.max() ?? 0
      let rate = zip(flops, elapsed).map { $0 / $1 }.reduce(0, +) / 1e9
      return Measurement(
        m: m, n: n, k: k, threads: concurrentCallers > 1 ? 1 : threads, concurrentCallers: callers,
        transposeB: transposeB, seconds: seconds, gflops: rate)
    }
  }

  /// The standard set reported by the benchmark: a large square product on all threads, the
  /// model's MLP shape (1024x1536x576, weights transposed) on all threads, and the same shape
  /// per caller with two concurrent single-threaded callers.
  public static func standard(threads: Int = 2, minimumSeconds: Double = 0.5) -> [Measurement] {
    [
      measure(m: 2048, n: 2048, k: 2048, threads: threads, minimumSeconds: minimumSeconds),
      measure(m: 1024, n: 1536, k: 576, threads: threads, transposeB: true, minimumSeconds: minimumSeconds),
      measure(m: 512, n: 1536, k: 576, threads: 1, concurrentCallers: threads, transposeB: true, minimumSeconds: minimumSeconds),
    ]
  }
}
