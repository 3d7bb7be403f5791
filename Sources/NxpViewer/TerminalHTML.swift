import Foundation

/// Terminal output as HTML: text escaped, and the SGR colour sequences `show` draws with (bold
/// headers, 256-colour and 24-bit backgrounds shading activations) turned into styled spans. Any
/// other escape sequence is dropped, so nothing in the output can become markup.
public enum TerminalHTML {
  struct Style: Equatable {
    var bold = false
    var dim = false
    var underline = false
    var foreground: String?
    var background: String?

    var css: String {
      var parts: [String] = []
      if bold { parts.append("font-weight:700") }
      if dim { parts.append("opacity:.7") }
      if underline { parts.append("text-decoration:underline") }
      if let foreground { parts.append("color:\(foreground)") }
      if let background { parts.append("background:\(background)") }
      return parts.joined(separator: ";")
    }
  }

  /// The 16 basic colours, as xterm draws them.
  static let basic = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
  ]

  /// A colour of the 256-colour palette: the basic 16, the 6x6x6 cube, then 24 greys.
  static func palette(_ n: Int) -> String? {
    switch n {
    case 0..<16: return basic[n]
    case 16..<232:
      let levels = [0, 95, 135, 175, 215, 255]
      let c = n - 16
      return hex(levels[c / 36], levels[c / 6 % 6], levels[c % 6])
    case 232..<256:
      let g = 8 + 10 * (n - 232)
      return hex(g, g, g)
    default: return nil
    }
  }

  static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
    String(format: "#%02x%02x%02x", min(255, max(0, r)), min(255, max(0, g)), min(255, max(0, b)))
  }

  /// Applies one SGR sequence's parameters to `style`.
  static func apply(_ codes: [Int], to style: inout Style) {
    var i = 0
    let codes = codes.isEmpty ? [0] : codes
    while i < codes.count {
      let c = codes[i]
      switch c {
      case 0: style = Style()
      case 1: style.bold = true
      case 2: style.dim = true
      case 4: style.underline = true
      case 22: (style.bold, style.dim) = (false, false)
      case 24: style.underline = false
      case 30...37: style.foreground = basic[c - 30]
      case 90...97: style.foreground = basic[c - 90 + 8]
      case 39: style.foreground = nil
      case 40...47: style.background = basic[c - 40]
      case 100...107: style.background = basic[c - 100 + 8]
      case 49: style.background = nil
      case 38, 48:
        var color: String?
        if i + 2 < codes.count, codes[i + 1] == 5 {
          color = palette(codes[i + 2])
          i += 2
        } else if i + 4 < codes.count, codes[i + 1] == 2 {
          color = hex(codes[i + 2], codes[i + 3], codes[i + 4])
          i += 4
        }
        if c == 38 { style.foreground = color } else { style.background = color }
      default: break
      }
      i += 1
    }
  }

  /// The HTML of `text` for a `<pre>`: escaped, with styled runs in spans.
  public static func html(_ text: String) -> String {
    var out = ""
    var style = Style()
    var run = ""
    func flush() {
      guard !run.isEmpty else { return }
      let css = style.css
      if !css.isEmpty {
        out += "<span style=\"\(css)\">" + HTMLText.text(run) + "</span>"
      } else {
        out += HTMLText.text(run)
      }
      run = ""
    }
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i < scalars.count {
      let s = scalars[i]
      guard s == "\u{1B}" else {
        run.unicodeScalars.append(s)
        i += 1
        continue
      }
      // CSI: ESC [ parameters final-byte. Anything else after ESC is dropped with it.
      guard i + 1 < scalars.count, scalars[i + 1] == "[" else {
        i += 2
        continue
      }
      var j = i + 2
      var parameters = ""
      while j < scalars.count, (0x30...0x3F).contains(scalars[j].value) {
        parameters.unicodeScalars.append(scalars[j])
        j += 1
      }
      while j < scalars.count, (0x20...0x2F).contains(scalars[j].value) { j += 1 }
      let final = j < scalars.count ? scalars[j] : nil
      i = j + 1
      guard final == "m" else { continue }
      var next = style
      apply(parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }, to: &next)
      if next != style {
        flush()
        style = next
      }
    }
    flush()
    return out
  }
}
