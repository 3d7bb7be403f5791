// The pre-tokenizer patterns only ask which of a few classes a scalar is in, so each scalar is
// classified once (a table for the BMP, Unicode properties above it) and the patterns then work
// on small integers.

// MARK: - Classes

/// Bit flags for the classes the pre-tokenizer patterns test.
enum CharacterClass {
  /// `\p{L}`: general category Lu, Ll, Lt, Lm or Lo.
  static let letter: UInt8 = 1
  /// `\p{N}`: general category Nd, Nl or No.
  static let number: UInt8 = 2
  /// `\s`: the Unicode White_Space property, which is what the reference regex engine uses.
  static let space: UInt8 = 4
  /// `[\r\n]` (also has `space`).
  static let newline: UInt8 = 8

  /// The class of one scalar.
  static func of(_ v: UInt32) -> UInt8 {
    if v < 0x10000 { return bmp[Int(v)] }
    return compute(v)
  }

  private static let bmp: [UInt8] = (0..<0x10000).map { compute(UInt32($0)) }

  private static func compute(_ v: UInt32) -> UInt8 {
    if v == 0x0A || v == 0x0D { return space | newline }
    guard let scalar = Unicode.Scalar(v) else { return 0 }
    let p = scalar.properties
    if p.isWhitespace { return space }
    switch p.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
    case .decimalNumber, .letterNumber, .otherNumber: return number
    default: return 0
    }
  }
}

// MARK: - Decoded text

/// A piece of UTF-8 text decoded into scalars with their classes and byte offsets. A class so
/// that its buffers are reused from one piece to the next.
final class ScalarText {
  var values: [UInt32] = []
  var classes: [UInt8] = []
  /// Byte offset of each scalar, plus one past the end.
  var offsets: [Int] = []

  var count: Int { values.count }

  /// Decodes `bytes`. Malformed sequences (not expected from a Swift String) become one
  /// U+FFFD-classed scalar per byte, so the split still covers every byte.
  func load(_ bytes: UnsafeBufferPointer<UInt8>) {
    values.removeAll(keepingCapacity: true)
    classes.removeAll(keepingCapacity: true)
    offsets.removeAll(keepingCapacity: true)
    let n = bytes.count
    var i = 0
    while i < n {
      offsets.append(i)
      let b0 = bytes[i]
      if b0 < 0x80 {
        values.append(UInt32(b0))
        classes.append(CharacterClass.of(UInt32(b0)))
        i += 1
        continue
      }
      let (v, len) = Self.decode(bytes, at: i)
      values.append(v)
      classes.append(CharacterClass.of(v))
      i += len
    }
    offsets.append(n)
  }

  /// Decodes one multi-byte scalar at `i`, returning U+FFFD and length 1 when malformed.
  static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
    let b0 = UInt32(bytes[i])
    let n = bytes.count
    func cont(_ k: Int) -> UInt32? {
      guard i + k < n, bytes[i + k] & 0xC0 == 0x80 else { return nil }
      return UInt32(bytes[i + k] & 0x3F)
    }
    if b0 & 0xE0 == 0xC0, let c1 = cont(1) {
      let v = (b0 & 0x1F) << 6 | c1
      if v >= 0x80 { return (v, 2) }
    } else if b0 & 0xF0 == 0xE0, let c1 = cont(1), let c2 = cont(2) {
      let v = (b0 & 0x0F) << 12 | c1 << 6 | c2
      if v >= 0x800, !(0xD800...0xDFFF).contains(v) { return (v, 3) }
    } else if b0 & 0xF8 == 0xF0, let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
      let v = (b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
      if (0x10000...0x10FFFF).contains(v) { return (v, 4) }
    }
    return (0xFFFD, 1)
  }
}
