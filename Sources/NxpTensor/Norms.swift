import Foundation

// Row normalisations applied before attention and MLP blocks and before the output head.

/// Per-row normalisations (RMSNorm, LayerNorm).
public enum Norms {
  // MARK: - Reductions

  @inline(__always)
  static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = Vec8(), acc1 = Vec8()
    var i = 0
    while i + 16 <= n {
      let a = load8(x + i), b = load8(x + i + 8)
      acc0 += a * a
      acc1 += b * b
      i += 16
    }
    while i + 8 <= n {
      let a = load8(x + i)
      acc0 += a * a
      i += 8
    }
    var s = horizontalSum(acc0 + acc1)
    while i < n {
      s += x[i] * x[i]
      i += 1
    }
    return s
  }

  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = Vec8()
    var i = 0
    while i + 8 <= n {
      acc += load8(x + i)
      i += 8
    }
    var s = horizontalSum(acc)
    while i < n {
      s += x[i]
      i += 1
    }
    return s
  }

  // MARK: - RMSNorm

  /// `out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight` for `rows` rows of `width`.
  /// `x` rows start `ldIn` apart, `out` rows `ldOut` apart; `out` may be `x`.
  public static func rmsNorm(
    _ x: UnsafePointer<Float>, ldIn: Int, rows: Int, width: Int, weight: UnsafePointer<Float>, epsilon: Float,
    into out: UnsafeMutablePointer<Float>, ldOut: Int
  ) {
    for r in 0..<rows {
      let xr = x + r * ldIn, o = out + r * ldOut
      let scale = 1 / (sumOfSquares(xr, width) / Float(width) + epsilon).squareRoot()
      var i = 0
      while i + 8 <= width {
        store8(load8(xr + i) * scale * load8(weight + i), o + i)
        i += 8
      }
      while i < width {
        o[i] = xr[i] * scale * weight[i]
        i += 1
      }
    }
  }

  // MARK: - LayerNorm

  /// `out[r, :] = (x[r, :] - mean) / sqrt(var + eps) * weight + bias` (biased variance, as
  /// PyTorch's LayerNorm). Same strides and aliasing rules as `rmsNorm`.
  public static func layerNorm(
    _ x: UnsafePointer<Float>, ldIn: Int, rows: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    epsilon: Float, into out: UnsafeMutablePointer<Float>, ldOut: Int
  ) {
    for r in 0..<rows {
      let xr = x + r * ldIn, o = out + r * ldOut
      let mean = sum(xr, width) / Float(width)
      // Two passes: variance of the centred values avoids E[x^2] - E[x]^2 cancellation.
      var acc = Vec8()
      var i = 0
      let m8 = Vec8(repeating: mean)
      while i + 8 <= width {
        let d = load8(xr + i) - m8
        acc += d * d
        i += 8
      }
      var variance = horizontalSum(acc)
      while i < width {
        let d = xr[i] - mean
        variance += d * d
        i += 1
      }
      variance /= Float(width)
      let scale = 1 / (variance + epsilon).squareRoot()
      i = 0
      while i + 8 <= width {
        var v = (load8(xr + i) - m8) * scale * load8(weight + i)
        if let bias { v += load8(bias + i) }
        store8(v, o + i)
        i += 8
      }
      while i < width {
        o[i] = (xr[i] - mean) * scale * weight[i] + (bias?[i] ?? 0)
        i += 1
      }
    }
  }
}
