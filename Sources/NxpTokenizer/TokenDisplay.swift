// One token often holds only part of a character (the first two bytes of an emoji, say). For
// display, the complete characters of a token are shown as text and the stray bytes as `\xE2`.

enum TokenDisplay {
  /// `bytes` as text, with each byte that is not part of a complete UTF-8 character in the
  /// token written as `\xHH` (uppercase hex).
  static func render(_ bytes: [UInt8]) -> String {
    var out = String.UnicodeScalarView()
    bytes.withUnsafeBufferPointer { b in
      var i = 0
      while i < b.count {
        if b[i] < 0x80 {
          out.append(Unicode.Scalar(b[i]))
          i += 1
          continue
        }
        let (v, length) = ScalarText.decode(b, at: i)
        if length > 1, let scalar = Unicode.Scalar(v) {
          out.append(scalar)
          i += length
        } else {
          out.append(contentsOf: escaped(b[i]).unicodeScalars)
          i += 1
        }
      }
    }
    return String(out)
  }

  private static func escaped(_ byte: UInt8) -> String {
    let hex = String(byte, radix: 16, uppercase: true)
    return "\\x" + (hex.count == 1 ? "0" + hex : hex)
  }
}
