import Foundation

/// Element types of safetensors tensors, spelled as in the header's `dtype` field. All data is
/// little-endian and row-major.
public enum SafeTensorsDType: String, Sendable, CaseIterable, CustomStringConvertible {
  // Declared in the reference order (increasing alignment); writers sort by it, see `rank`.
  case bool = "BOOL"
  case f4 = "F4"
  case f6E2M3 = "F6_E2M3"
  case f6E3M2 = "F6_E3M2"
  case u8 = "U8"
  case i8 = "I8"
  case f8E5M2 = "F8_E5M2"
  case f8E4M3 = "F8_E4M3"
  case f8E8M0 = "F8_E8M0"
  case f8E4M3FNUZ = "F8_E4M3FNUZ"
  case f8E5M2FNUZ = "F8_E5M2FNUZ"
  case i16 = "I16"
  case u16 = "U16"
  case f16 = "F16"
  case bf16 = "BF16"
  case i32 = "I32"
  case u32 = "U32"
  case f32 = "F32"
  case c64 = "C64"
  case f64 = "F64"
  case i64 = "I64"
  case u64 = "U64"

  /// Bits per element; below 8 for the packed microscaling types.
  public var bitSize: Int {
    switch self {
    case .f4: return 4
    case .f6E2M3, .f6E3M2: return 6
    case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ: return 8
    case .i16, .u16, .f16, .bf16: return 16
    case .i32, .u32, .f32: return 32
    case .c64, .f64, .i64, .u64: return 64
    }
  }

  /// Bytes per element, or nil for the packed types smaller than a byte.
  public var byteSize: Int? { bitSize % 8 == 0 ? bitSize / 8 : nil }

  /// Position in the reference declaration order; files list larger types first so every
  /// tensor's data stays aligned to its element size.
  var rank: Int { SafeTensorsDType.allCases.firstIndex(of: self) ?? 0 }

  /// Bytes taken by `count` elements, or nil on overflow or a partial byte.
  public func byteCount(elements count: Int) -> Int? {
    let (bits, overflow) = count.multipliedReportingOverflow(by: bitSize)
    guard !overflow, bits % 8 == 0 else { return nil }
    return bits / 8
  }

  public var description: String { rawValue }

  // MARK: - Decoding

  /// Converts `count` little-endian elements to Float, or nil when the dtype has no sensible
  /// Float reading (packed, FNUZ and complex types).
  func floats(from bytes: UnsafeRawBufferPointer, count: Int) -> [Float]? {
    switch self {
    case .f32: return Self.map(bytes, count, UInt32.self) { Float(bitPattern: $0) }
    case .f64: return Self.map(bytes, count, UInt64.self) { Float(Double(bitPattern: $0)) }
    case .f16: return Self.map(bytes, count, UInt16.self) { Self.float(fromHalf: $0) }
    case .bf16: return Self.map(bytes, count, UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
    case .f8E5M2: return Self.map(bytes, count, UInt8.self) { Self.float(fromHalf: UInt16($0) << 8) }
    case .f8E4M3: return Self.map(bytes, count, UInt8.self) { Self.float(fromE4M3: $0) }
    case .f8E8M0: return Self.map(bytes, count, UInt8.self) { $0 == 0xFF ? .nan : Float(bitPattern: UInt32($0) << 23) }
    case .bool, .u8: return Self.map(bytes, count, UInt8.self) { Float($0) }
    case .i8: return Self.map(bytes, count, Int8.self) { Float($0) }
    case .i16: return Self.map(bytes, count, Int16.self) { Float($0) }
    case .u16: return Self.map(bytes, count, UInt16.self) { Float($0) }
    case .i32: return Self.map(bytes, count, Int32.self) { Float($0) }
    case .u32: return Self.map(bytes, count, UInt32.self) { Float($0) }
    case .i64: return Self.map(bytes, count, Int64.self) { Float($0) }
    case .u64: return Self.map(bytes, count, UInt64.self) { Float($0) }
    case .f4, .f6E2M3, .f6E3M2, .f8E4M3FNUZ, .f8E5M2FNUZ, .c64: return nil
    }
  }

  /// Converts integer and boolean elements to Int64; nil for other dtypes or a U64 value above
  /// `Int64.max`.
  func int64s(from bytes: UnsafeRawBufferPointer, count: Int) -> [Int64]? {
    switch self {
    case .bool, .u8: return Self.map(bytes, count, UInt8.self) { Int64($0) }
    case .i8: return Self.map(bytes, count, Int8.self) { Int64($0) }
    case .i16: return Self.map(bytes, count, Int16.self) { Int64($0) }
    case .u16: return Self.map(bytes, count, UInt16.self) { Int64($0) }
    case .i32: return Self.map(bytes, count, Int32.self) { Int64($0) }
    case .u32: return Self.map(bytes, count, UInt32.self) { Int64($0) }
    case .i64: return Self.map(bytes, count, Int64.self) { $0 }
    case .u64:
      let wide = Self.map(bytes, count, UInt64.self) { $0 }
      guard let wide, wide.allSatisfy({ $0 <= UInt64(Int64.max) }) else { return nil }
      return wide.map { Int64($0) }
    default: return nil
    }
  }

  /// Reads `count` little-endian values of `T` and maps them; nil if the bytes are too few.
  private static func map<T: FixedWidthInteger, R>(
    _ bytes: UnsafeRawBufferPointer, _ count: Int, _: T.Type, _ f: (T) -> R
  ) -> [R]? {
    let size = MemoryLayout<T>.size
    guard count >= 0, count <= bytes.count / size else { return nil }
    return [R](unsafeUninitializedCapacity: count) { out, done in
      for i in 0..<count {
        out.initializeElement(at: i, to: f(T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * size, as: T.self))))
      }
      done = count
    }
  }

  // MARK: - Scalar conversions

  /// IEEE half bits to Float (exact; NaN payloads kept).
  public static func float(fromHalf h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = UInt32(h >> 10) & 0x1F
    let mant = UInt32(h & 0x3FF)
    switch exp {
    case 0:
      // Zero or subnormal: mant * 2^-24, exact in Float.
      let magnitude = Float(mant) * 0x1p-24
      return Float(bitPattern: sign | magnitude.bitPattern)
    case 0x1F:
      return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13))
    default:
      return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }
  }

  /// Float to IEEE half bits, rounding to nearest even; overflow gives infinity.
  public static func half(from f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exp = Int((bits >> 23) & 0xFF)
    let mant = bits & 0x7F_FFFF
    if exp == 0xFF {
      return mant == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(mant >> 13)
    }
    let e = exp - 112  // rebias 127 -> 15
    if e >= 0x1F { return sign | 0x7C00 }
    if e <= 0 {
      // Subnormal half (or zero): shift the full significand into units of 2^-24.
      if e < -10 { return sign }
      let m = mant | 0x80_0000
      let shift = UInt32(14 - e)
      var h = m >> shift
      let rem = m & ((1 << shift) - 1)
      let halfway = UInt32(1) << (shift - 1)
      if rem > halfway || (rem == halfway && h & 1 == 1) { h += 1 }
      return sign | UInt16(h)
    }
    var h = UInt32(e) << 10 | (mant >> 13)
    let rem = mant & 0x1FFF
    // A carry out of the mantissa bumps the exponent, up to infinity: both are correct.
    if rem > 0x1000 || (rem == 0x1000 && h & 1 == 1) { h += 1 }
    return sign | UInt16(h)
  }

  /// Float to bfloat16 bits, rounding to nearest even; NaN stays a quiet NaN.
  public static func bfloat16(from f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x40 }
    let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(rounded >> 16)
  }

  /// OCP FP8 E4M3 (no infinities; S.1111.111 is NaN) to Float.
  public static func float(fromE4M3 b: UInt8) -> Float {
    let negative = b & 0x80 != 0
    let exp = Int((b >> 3) & 0xF)
    let mant = Float(b & 0x7)
    let magnitude: Float
    if exp == 0xF && b & 0x7 == 0x7 {
      magnitude = .nan
    } else if exp == 0 {
      magnitude = mant * 0x1p-9
    } else {
      magnitude = (1 + mant / 8) * Float(sign: .plus, exponent: exp - 7, significand: 1)
    }
    return negative ? -magnitude : magnitude
  }
}
