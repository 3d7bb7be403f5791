import Foundation

// Softmax and log-softmax over rows, numerically stabilised by the row maximum.

/// Softmax and log-softmax over contiguous rows.
public enum Softmax {
  @inline(__always)
  static func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    var i = 0
    if n >= 8 {
      var acc = load8(x)
      i = 8
      while i + 8 <= n {
        let v = load8(x + i)
        acc.replace(with: v, where: v .> acc)
        i += 8
      }
      m = horizontalMax(acc)
    }
    while i < n {
      if x[i] > m { m = x[i] }
      i += 1
    }
    return m
  }

  /// Replaces `x[0..<n]` by `exp(x - max)` and returns their sum.
  @inline(__always)
  static func expShifted(_ x: UnsafeMutablePointer<Float>, _ n: Int, max m: Float) -> Float {
    var acc = Vec8()
    var i = 0
    while i + 8 <= n {
      let e = fastExp(load8(x + i) - m)
      store8(e, x + i)
      acc += e
      i += 8
    }
    var s = horizontalSum(acc)
    if i < n {
      let e = fastExp(loadPartial(x + i, n - i) - m)
      storePartial(e, x + i, n - i)
      for k in 0..<(n - i) { s += e[k] }
    }
    return s
  }

  /// Softmax of `x[0..<n]` in place.
  public static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
    guard n > 0 else { return }
    let s = expShifted(x, n, max: rowMax(x, n))
    let inv = 1 / s
    var i = 0
    while i + 8 <= n {
      store8(load8(x + i) * inv, x + i)
      i += 8
    }
    while i < n {
      x[i] *= inv
      i += 1
    }
  }

  /// Softmax over each of `rows` rows of `width` floats (row starts `ld` apart), in place.
  public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) {
    for r in 0..<rows { softmax(x + r * ld, count: width) }
  }

  /// `out[i] = x[i] - max - log(sum(exp(x - max)))` for `n` floats. The sum is taken in double so
  /// large vocabularies lose nothing; `out` may be `x`.
  public static func logSoftmax(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count n: Int) {
    guard n > 0 else { return }
    let m = rowMax(x, n)
    var s: Double = 0
    var i = 0
    while i + 8 <= n {
      s += Double(horizontalSum(fastExp(load8(x + i) - m)))
      i += 8
    }
    while i < n {
      s += Double(fastExp(x[i] - m))
      i += 1
    }
    let shift = m + Float(log(s))
    for i in 0..<n { out[i] = x[i] - shift }
  }

  /// Log-softmax over each row of `rows x width` (row starts `ld` apart), in place.
  public static func logSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) {
    for r in 0..<rows { logSoftmax(x + r * ld, into: x + r * ld, count: width) }
  }
}
