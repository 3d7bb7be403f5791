import Foundation
import NxpCore
import NxpInterp

/// Tokens shaded by activation, as the paper's viewer draws them: white to green, negatives
/// clipped to 0, scaled to the largest value on display. Shades are `levels` steps, each a CSS
/// class (`h1` ... `h20`), so a token costs a few bytes; hovering shows the exact value.
enum Heatmap {
  static let levels = 20

  /// The shade step of `value` on a scale whose top is `scale` (0 for values <= 0).
  static func level(_ value: Double, scale: Double) -> Int {
    guard scale > 0, value > 0, value.isFinite else { return 0 }
    return min(levels, max(0, Int((Double(levels) * value / scale).rounded())))
  }

  /// The largest positive value among `values` (0 when none is).
  static func scale<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    values.reduce(0) { $1.isFinite ? max($0, $1) : $0 }
  }

  /// The shade classes' background colours, white (level 0) to the ActivationRenderer's green.
  static func color(level: Int) -> String {
    let f = Double(level) / Double(levels)
    func mix(_ white: Double, _ green: Double) -> Int { Int((white + (green - white) * f).rounded()) }
    return String(format: "#%02x%02x%02x", mix(255, 40), mix(255, 170), mix(255, 40))
  }

  // MARK: - Tokens

  /// A token as shown: control characters as symbols (`⏎` newline, `⇥` tab), a token of spaces
  /// as middle dots, and the class that marks those (`ws`) or special tokens (`sp`, `<|endoftext|>`).
  static func display(_ token: String) -> (text: String, mark: String) {
    if !token.isEmpty, token.allSatisfy({ $0 == " " }) { return (String(repeating: "·", count: token.count), "ws") }
    let shown = TerminalText.visible(token)
    if token.hasPrefix("<|") && token.hasSuffix("|>") { return (shown, "sp") }
    if shown != token && token.allSatisfy({ $0.isWhitespace }) { return (shown, "ws") }
    return (shown, "")
  }

  /// ` class="h7 ws"`, or nothing for an unshaded, unmarked token.
  static func classAttribute(level: Int, mark: String) -> String {
    switch (level > 0, mark.isEmpty) {
    case (false, true): return ""
    case (false, false): return " class=\"\(mark)\""
    case (true, true): return " class=\"h\(level)\""
    case (true, false): return " class=\"h\(level) \(mark)\""
    }
  }

  /// One token shaded for `value`; the tooltip gives the value.
  static func token(_ token: String, value: Float, scale: Double) -> String {
    let (text, mark) = display(token)
    let l = level(Double(value), scale: scale)
    return "<span" + classAttribute(level: l, mark: mark) + " title=\"" + Numbers.fixed(value) + "\">" + HTMLText.text(text) + "</span>"
  }

  /// One excerpt's tokens shaded against `scale`.
  static func tokens(_ record: ActivationRecord, scale: Double) -> String {
    var out = "<p class=\"toks\">"
    for (t, a) in zip(record.tokens, record.activations) { out += token(t, value: a, scale: scale) }
    return out + "</p>"
  }

  /// One simulated excerpt: each token's true activation shades the token (above) and the
  /// simulated value a bar under it (below), each against its own scale.
  static func paired(_ s: ViewerSimulation, realScale: Double, simulatedScale: Double) -> String {
    var out = "<p class=\"toks pair\">"
    for (i, t) in s.tokens.enumerated() {
      let real = i < s.real.count ? s.real[i] : 0
      let simulated = s.simulated.flatMap { i < $0.count ? $0[i] : nil }
      let (text, mark) = display(t)
      let r = level(Double(real), scale: realScale)
      let tip = "real \(Numbers.fixed(real)) · simulated \(simulated.map { Numbers.fixed($0, 2) } ?? "failed")"
      out += "<span class=\"p\(mark.isEmpty ? "" : " " + mark)\" title=\"\(tip)\">"
      out += "<span" + classAttribute(level: r, mark: "") + ">" + HTMLText.text(text) + "</span>"
      let sl = simulated.map { level($0, scale: simulatedScale) } ?? 0
      out += "<span class=\"sim\(sl > 0 ? " h\(sl)" : "")\"></span></span>"
    }
    return out + "</p>"
  }
}
