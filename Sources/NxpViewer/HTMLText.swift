import Foundation
import NxpSyntax

/// Text from data (tokens, explanations, model names) made safe for each place it goes in a
/// page: element text, attribute values, JSON inside a `<script>` element, nxp string literals.
public enum HTMLText {
  /// For element content: `&`, `<` and `>` as entities.
  public static func text(_ s: String) -> String {
    guard s.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" }) else { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count + 16)
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      default: out.append(c)
      }
    }
    return out
  }

  /// For a double-quoted attribute value: the text escapes plus both quotes.
  public static func attribute(_ s: String) -> String {
    guard s.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "'" }) else { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count + 16)
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }

  /// A JSON string literal that may sit inside a `<script>` element: besides JSON's own escapes,
  /// `<`, `>` and `&` are written as `\u003c`, `\u003e` and `\u0026`, so neither `</script>` nor
  /// `<!--` can appear in the element, and U+2028/U+2029 are escaped for older JavaScript parsers.
  public static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "<": out += "\\u003c"
      case ">": out += "\\u003e"
      case "&": out += "\\u0026"
      case "\u{2028}": out += "\\u2028"
      case "\u{2029}": out += "\\u2029"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// An nxp string literal that reads back as `s` when pasted into a script or the REPL (the
  /// syntax module's own writer, so the two cannot disagree).
  public static func nxpString(_ s: String) -> String { NxpLiteral.string(s) }
}

/// Numbers as the pages print them, the same on every machine and locale.
enum Numbers {
  /// `0.123`, `-` for nil or not finite.
  static func fixed(_ x: Double?, _ digits: Int = 3) -> String {
    guard let x, x.isFinite else { return "–" }
    let s = String(format: "%.\(digits)f", x)
    // "-0.000" reads as a sign that is not there.
    if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
    return s
  }

  /// Three decimals of an activation, as `String(format: "%.3f")` writes them (no sign on a value
  /// that rounds to zero) but without its cost, since a page prints one per token: a Float times
  /// 1000 is exact in a Double (24 + 10 bits), so rounding it half to even, as printf rounds an
  /// exact tie, gives the same digits.
  static func fixed(_ x: Float) -> String {
    let scaled = (Double(x) * 1000).rounded(.toNearestOrEven)
    guard x.isFinite, abs(scaled) < 1e15 else { return fixed(Double(x), 3) }
    let n = Int64(scaled)
    let magnitude = n.magnitude
    let fraction = magnitude % 1000
    let digits = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
    return (n < 0 ? "-" : "") + "\(magnitude / 1000)." + digits
  }

  static func fixed(_ x: Float?) -> String { x.map { fixed($0) } ?? "–" }

  /// `+0.1234` or `−0.1234`: a weight whose sign is the point.
  static func signed(_ x: Double) -> String {
    let s = fixed(x, 4)
    if s.hasPrefix("-") { return "−" + s.dropFirst() }
    return s == "0.0000" ? s : "+" + s
  }

  /// Four significant digits, for statistics whose scale varies (kurtosis 1737.7, variance 0.0282).
  static func significant(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "undefined" : (x > 0 ? "∞" : "-∞") }
    return String(format: "%.4g", x)
  }

  /// A JSON number (or null), with enough digits to sort by.
  static func json(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "null" }
    return String(format: "%.6g", x)
  }
}
