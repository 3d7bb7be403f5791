// Element-wise kernels: sums, biases and scaling over flat buffers or row blocks.

/// Element-wise arithmetic on float buffers.
public enum Elementwise {
  /// `out[i] = a[i] + b[i]` for `count` floats (`out` may alias `a` or `b`).
  public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
      store8(load8(a + i) + load8(b + i), out + i)
      i += 8
    }
    while i < count {
      out[i] = a[i] + b[i]
      i += 1
    }
  }

  /// `x[r, :] += bias` for `rows` rows of `columns` floats, row starts `ld` apart.
  public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int, bias: UnsafePointer<Float>) {
    for r in 0..<rows {
      add(x + r * ld, bias, into: x + r * ld, count: columns)
    }
  }

  /// `x[i] *= s` for `count` floats.
  public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by s: Float) {
    var i = 0
    while i + 8 <= count {
      store8(load8(x + i) * s, x + i)
      i += 8
    }
    while i < count {
      x[i] *= s
      i += 1
    }
  }

  /// Copies `rows` rows of `columns` floats between buffers with their own row strides.
  public static func copyRows(
    _ src: UnsafePointer<Float>, ldSrc: Int, into dst: UnsafeMutablePointer<Float>, ldDst: Int, rows: Int, columns: Int
  ) {
    if ldSrc == columns && ldDst == columns {
      dst.update(from: src, count: rows * columns)
      return
    }
    for r in 0..<rows { (dst + r * ldDst).update(from: src + r * ldSrc, count: columns) }
  }
}
