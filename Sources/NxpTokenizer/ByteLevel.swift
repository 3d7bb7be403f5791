// Byte-level BPE vocabularies spell every byte as one printable character, so that token strings
// never contain spaces or control characters. Printable Latin-1 bytes stand for themselves; the
// other 68 bytes (controls, space, DEL, the C1 range, NBSP, soft hyphen) are given the code
// points from U+0100 upward, in byte order.

/// The byte <-> character table of byte-level BPE.
enum ByteLevel {
  /// `characters[b]` is the character that spells byte `b` in token strings.
  static let characters: [Unicode.Scalar] = {
    var table = [Unicode.Scalar](repeating: "\0", count: 256)
    var next: UInt32 = 256
    for b in 0..<256 {
      if isPrintable(UInt8(b)) {
        table[b] = Unicode.Scalar(UInt32(b))!
      } else {
        table[b] = Unicode.Scalar(next)!
        next += 1
      }
    }
    return table
  }()

  /// The byte a token-string character stands for, or nil when it is no byte-level character.
  static func byte(for scalar: Unicode.Scalar) -> UInt8? {
    let v = scalar.value
    if v < 256 { return isPrintable(UInt8(v)) ? UInt8(v) : nil }
    return v < 256 + UInt32(unprintable.count) ? unprintable[Int(v - 256)] : nil
  }

  /// The bytes a token string spells. When a character is outside the byte alphabet (added
  /// tokens holding arbitrary text), the string stands for its own UTF-8, as HF's decoder does.
  static func bytes(of token: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(token.utf8.count)
    for u in token.unicodeScalars {
      guard let b = byte(for: u) else { return Array(token.utf8) }
      out.append(b)
    }
    return out
  }

  /// The token string spelling these bytes.
  static func string(of bytes: some Sequence<UInt8>) -> String {
    var s = String.UnicodeScalarView()
    for b in bytes { s.append(characters[Int(b)]) }
    return String(s)
  }

  private static func isPrintable(_ b: UInt8) -> Bool {
    (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
  }

  /// The bytes spelled by U+0100 upward, in order.
  private static let unprintable: [UInt8] = (0...255).map(UInt8.init).filter { !isPrintable($0) }
}
