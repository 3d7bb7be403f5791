// SIMD building blocks for the kernels: 8-lane loads and stores, horizontal reductions and an
// exp accurate to about 1e-7 relative error. Written with explicit comparisons and bit casts
// because the generic `clamped`/`pointwiseMin` calls are not inlined and would scalarise loops.

/// The SIMD width the kernels are written for: two SSE registers, one AVX register.
public typealias Vec8 = SIMD8<Float>

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> Vec8 { UnsafeRawPointer(p).loadUnaligned(as: Vec8.self) }

@inline(__always)
func load8(_ p: UnsafeMutablePointer<Float>) -> Vec8 { UnsafeRawPointer(p).loadUnaligned(as: Vec8.self) }

@inline(__always)
func store8(_ v: Vec8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self) }

/// The first `n` (< 8) floats at `p`, the other lanes `fill`.
@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> Vec8 {
  var v = Vec8(repeating: fill)
  for i in 0..<n { v[i] = p[i] }
  return v
}

@inline(__always)
func storePartial(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
  for i in 0..<n { p[i] = v[i] }
}

@inline(__always)
func horizontalSum(_ v: Vec8) -> Float {
  let h = v.lowHalf + v.highHalf
  return (h[0] + h[2]) + (h[1] + h[3])
}

@inline(__always)
func horizontalMax(_ v: Vec8) -> Float {
  var m = v[0]
  for i in 1..<8 where v[i] > m { m = v[i] }
  return m
}

/// e^x lane-wise. Inputs are clamped to [-87.3, 88.3] so results stay finite and normal
/// (e^-87.3 is about 1.2e-38, e^88.3 about 2.2e38).
@inline(__always)
public func fastExp(_ x: Vec8) -> Vec8 {
  var x = x.replacing(with: -87.3, where: x .< -87.3)
  x.replace(with: 88.3, where: x .> 88.3)
  // n = round(x / ln 2) via the 1.5 * 2^23 trick: adding it leaves n in the low mantissa bits.
  let magic = Vec8(repeating: 12_582_912)
  let shifted = x * 1.442_695_040_888_963_4 + magic
  let n = shifted - magic
  // r = x - n ln 2, with ln 2 split in two so the product is exact to float precision.
  var r = x - n * 0.693_359_375
  r = r - n * -2.121_944_400_546_905_8e-4
  // Degree-6 polynomial for e^r on |r| <= ln2/2.
  var p = Vec8(repeating: 1.987_569_150_0e-4)
  p = p * r + 1.398_199_950_7e-3
  p = p * r + 8.333_451_907_3e-3
  p = p * r + 4.166_579_589_4e-2
  p = p * r + 1.666_666_545_9e-1
  p = p * r + 5.000_000_120_1e-1
  let e = p * (r * r) + r + 1
  // 2^n assembled in the exponent field.
  let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- unsafeBitCast(magic, to: SIMD8<UInt32>.self)
  let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Vec8.self)
  return e * scale
}

/// Scalar e^x with the same approximation as the vector form.
@inline(__always)
public func fastExp(_ x: Float) -> Float { fastExp(Vec8(repeating: x))[0] }
