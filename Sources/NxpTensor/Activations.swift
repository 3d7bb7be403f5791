// MLP nonlinearities. The SwiGLU and bias+GELU forms are fused: they read the projection output
// once and write the neurons (the values interpretability reads) straight to their destination.

/// Nonlinearities applied to MLP projections.
public enum Activations {
  // MARK: - SiLU / SwiGLU

  @inline(__always)
  static func silu(_ g: Vec8) -> Vec8 { g / (1 + fastExp(-g)) }

  /// `out[i] = x[i] * sigmoid(x[i])` for `count` floats (may run in place).
  public static func silu(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
      store8(silu(load8(x + i)), out + i)
      i += 8
    }
    if i < count { storePartial(silu(loadPartial(x + i, count - i)), out + i, count - i) }
  }

  /// SwiGLU neurons: `out[r, j] = silu(gate[r, j]) * up[r, j]` for `rows` rows of `width`.
  /// `gate` and `up` rows start `ldIn` apart (they are usually the two halves of one fused
  /// projection `[R, 2F]`), `out` rows `ldOut` apart.
  public static func swiGLU(
    gate: UnsafePointer<Float>, up: UnsafePointer<Float>, ldIn: Int, rows: Int, width: Int,
    into out: UnsafeMutablePointer<Float>, ldOut: Int
  ) {
    for r in 0..<rows {
      let g = gate + r * ldIn, u = up + r * ldIn, o = out + r * ldOut
      var j = 0
      while j + 8 <= width {
        store8(silu(load8(g + j)) * load8(u + j), o + j)
        j += 8
      }
      if j < width {
        let n = width - j
        storePartial(silu(loadPartial(g + j, n)) * loadPartial(u + j, n), o + j, n)
      }
    }
  }

  // MARK: - GELU (tanh form)

  /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as x * sigmoid(2 * inner), which
  /// is the same function without the cancellation of 1 + tanh near -1.
  @inline(__always)
  static func geluTanh(_ x: Vec8) -> Vec8 {
    let inner = x * (1 + 0.044_715 * x * x) * 1.595_769_121_605_730_7  // 2 * sqrt(2/pi)
    return x / (1 + fastExp(-inner))
  }

  /// GELU (tanh form) over `count` floats (may run in place).
  public static func geluTanh(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
      store8(geluTanh(load8(x + i)), out + i)
      i += 8
    }
    if i < count { storePartial(geluTanh(loadPartial(x + i, count - i)), out + i, count - i) }
  }

  /// GPT-2 neurons: `out[r, j] = gelu(x[r, j] + bias[j])` for `rows` rows of `width`.
  public static func biasGELU(
    _ x: UnsafePointer<Float>, ldIn: Int, bias: UnsafePointer<Float>?, rows: Int, width: Int,
    into out: UnsafeMutablePointer<Float>, ldOut: Int
  ) {
    for r in 0..<rows {
      let xr = x + r * ldIn, o = out + r * ldOut
      var j = 0
      while j + 8 <= width {
        var v = load8(xr + j)
        if let bias { v += load8(bias + j) }
        store8(geluTanh(v), o + j)
        j += 8
      }
      if j < width {
        let n = width - j
        var v = loadPartial(xr + j, n)
        if let bias { v += loadPartial(bias + j, n) }
        storePartial(geluTanh(v), o + j, n)
      }
    }
  }
}
