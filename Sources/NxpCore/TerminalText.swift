import Foundation

/// Text that came from data (documents, file names, strings in a script, messages quoting them)
/// made safe to print on a terminal: no byte of it can start an escape sequence, ring the bell or
/// move the cursor. Control characters become visible symbols, as activation records show them:
/// `⏎` for a newline, `⇥` for a tab, `␍` for a carriage return, the Control Pictures block
/// (`␛`, `␇`, ...) for other C0 codes, `␡` for DEL, and `\u{9b}` for C1 codes.
public enum TerminalText {
  /// `text` with every control character visible. With `keepingLines`, line breaks and tabs stay
  /// as they are (for `show` of a multi-line string). With `singleWidth`, each character maps to
  /// exactly one (C1 codes to `�`), so columns still line up under a caret.
  public static func visible(_ text: String, keepingLines: Bool = false, singleWidth: Bool = false) -> String {
    guard needsCleaning(text, keepingLines: keepingLines) else { return text }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x0A where keepingLines, 0x09 where keepingLines: out.append(scalar)
      case 0x0A: out.append("⏎")
      case 0x09: out.append("⇥")
      case 0x0D: out.append("␍")
      case 0x00..<0x20: out.append(Unicode.Scalar(0x2400 + scalar.value)!)
      case 0x7F: out.append("␡")
      case 0x80..<0xA0:
        if singleWidth {
          out.append("\u{FFFD}")
        } else {
          out.append(contentsOf: ("\\u{" + String(scalar.value, radix: 16) + "}").unicodeScalars)
        }
      default: out.append(scalar)
      }
    }
    return String(out)
  }

  /// True when `text` holds a character `visible` would change (the common case is a fast scan).
  public static func needsCleaning(_ text: String, keepingLines: Bool = false) -> Bool {
    for b in text.utf8 {
      if b < 0x20 {
        if keepingLines && (b == 0x0A || b == 0x09) { continue }
        return true
      }
      if b == 0x7F || b == 0xC2 { return true }  // DEL, or the lead byte of U+0080...U+00BF
    }
    return false
  }

  /// At most about `limit` characters of `text`: the middle of a longer text is replaced by `...`.
  public static func abbreviated(_ text: String, limit: Int = 400) -> String {
    guard text.utf8.count > limit, text.count > limit else { return text }
    let half = max(1, (limit - 5) / 2)
    return String(text.prefix(half)) + " ... " + String(text.suffix(half))
  }
}
