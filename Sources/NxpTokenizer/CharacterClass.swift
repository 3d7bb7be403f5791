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
    if v < 0x10000 { return bmpTable[Int(v)] }
    return compute(v)
  }

  /// Classes of the Basic Multilingual Plane, computed once and never freed.
  static let bmpTable: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 0x10000)
    for v in 0..<0x10000 { table[v] = compute(UInt32(v)) }
    return UnsafePointer(table)
  }()

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

/// A piece of UTF-8 text decoded into scalars with their classes and byte offsets. The buffers
/// grow as needed and are reused from one piece to the next: decoding is the hot loop of
/// pre-tokenization, so it writes through raw pointers.
final class ScalarText {
  private(set) var count = 0
  private var capacity = 0
  private(set) var values = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
  private(set) var classes = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
  /// Byte offset of each scalar, plus one past the end (`offsets[count]`).
  private(set) var offsets = UnsafeMutablePointer<Int>.allocate(capacity: 1)

  deinit {
    values.deallocate()
    classes.deallocate()
    offsets.deallocate()
  }

  private func reserve(_ n: Int) {
    guard n > capacity else { return }
    let size = max(n, capacity * 2, 64)
    values.deallocate()
    classes.deallocate()
    offsets.deallocate()
    values = .allocate(capacity: size)
    classes = .allocate(capacity: size)
    offsets = .allocate(capacity: size + 1)
    capacity = size
  }

  /// Decodes `bytes`. Malformed sequences (not expected from a Swift String) become one
  /// U+FFFD-classed scalar per byte, so the split still covers every byte.
  func load(_ bytes: UnsafeBufferPointer<UInt8>) {
    let n = bytes.count
    reserve(n)
    let table = CharacterClass.bmpTable
    var i = 0
    var k = 0
    while i < n {
      offsets[k] = i
      let b0 = bytes[i]
      if b0 < 0x80 {
        values[k] = UInt32(b0)
        classes[k] = table[Int(b0)]
        i += 1
      } else {
        let (v, length) = Self.decode(bytes, at: i)
        values[k] = v
        classes[k] = v < 0x10000 ? table[Int(v)] : CharacterClass.of(v)
        i += length
      }
      k += 1
    }
    offsets[k] = n
    count = k
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
