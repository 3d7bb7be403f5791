// IEEE half (F16) and bfloat16 (BF16) to float32. Both conversions are exact: every half and
// every bfloat16 value is representable as a float32.

enum DequantizeHalf {
  // MARK: - Scalars

  /// Exact float32 value of an IEEE binary16 bit pattern (subnormals, infinities and NaNs kept).
  @inline(__always)
  static func float(fromHalf h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
      // Zero or subnormal: mantissa * 2^-24, exact in float32.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 31 {
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
  }

  /// All 65536 half values as floats (256 KiB), so bulk F16 data converts by lookup.
  static let table: [Float] = (0...0xFFFF).map { float(fromHalf: UInt16($0)) }

  /// A little-endian half at `offset` bytes past `p`.
  @inline(__always)
  static func load(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    float(fromHalf: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
  }

  // MARK: - Arrays

  static func f16(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
    table.withUnsafeBufferPointer { t in
      let lut = t.baseAddress!
      for i in 0..<count {
        out[i] = lut[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
      }
    }
  }

  static func bf16(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
    for i in 0..<count {
      let b = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      out[i] = Float(bitPattern: UInt32(b) << 16)
    }
  }
}
