import Foundation
import NxpCore

/// Draws activation records in a terminal: one excerpt per line, each token on a background
/// shaded from white to green in proportion to its activation (negatives count as 0), scaled to
/// the neuron's maximum, as in the paper's neuron viewer. Without colours, each active token is
/// followed by its activation on the explainer's 0-10 scale as a superscript (`cat⁷`).
public struct ActivationRenderer: Sendable {
  public enum Style: String, Sendable, CaseIterable {
    /// No escape codes: superscript levels after active tokens.
    case plain
    /// 256-colour palette backgrounds (the 6x6x6 cube).
    case ansi256
    /// 24-bit backgrounds.
    case truecolor
  }

  public var style: Style

  public init(style: Style) { self.style = style }

  /// Truecolour when `COLORTERM` says the terminal has it, 256 colours on other terminals,
  /// plain text when the output is not a terminal or `NO_COLOR` is set.
  public static func forOutput(isTerminal: Bool, environment: [String: String]) -> ActivationRenderer {
    guard isTerminal, environment["NO_COLOR"] == nil, environment["TERM"] != "dumb" else {
      return ActivationRenderer(style: .plain)
    }
    let colorterm = environment["COLORTERM"]?.lowercased() ?? ""
    return ActivationRenderer(style: colorterm == "truecolor" || colorterm == "24bit" ? .truecolor : .ansi256)
  }

  // MARK: - Tokens

  /// The shade's end points: white for 0, this green for the maximum.
  static let white = (r: 255.0, g: 255.0, b: 255.0)
  static let green = (r: 40.0, g: 170.0, b: 40.0)

  /// The explainer's 0-10 level: floor(10 * max(0, a) / scale), capped at 10; 0 when scale <= 0.
  public static func level(_ activation: Float, scale: Float) -> Int {
    guard scale > 0, activation > 0 else { return 0 }
    return min(10, Int((10 * activation / scale).rounded(.down)))
  }

  /// A token with control characters and newlines made visible: `⏎` for a newline, `⇥` for a
  /// tab, `␍` for a carriage return, the Control Pictures block for other C0 codes and DEL, and
  /// `\u{..}` for C1 codes, so no token can move the cursor or start an escape sequence.
  public static func visible(_ token: String) -> String { TerminalText.visible(token) }

  static let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]

  static func superscript(_ n: Int) -> String { String(String(n).map { superscripts[Int(String($0))!] }) }

  /// One token, shaded (or marked) for `activation` on a scale whose top is `scale`.
  public func token(_ text: String, activation: Float, scale: Float) -> String {
    let shown = ActivationRenderer.visible(text)
    let fraction = scale > 0 ? Double(min(1, max(0, activation / scale))) : 0
    switch style {
    case .plain:
      let level = ActivationRenderer.level(activation, scale: scale)
      return level > 0 ? shown + ActivationRenderer.superscript(level) : shown
    case .truecolor, .ansi256:
      guard fraction > 0 else { return shown }
      let w = ActivationRenderer.white
      let g = ActivationRenderer.green
      let r = w.r + (g.r - w.r) * fraction
      let gg = w.g + (g.g - w.g) * fraction
      let b = w.b + (g.b - w.b) * fraction
      if style == .truecolor {
        return "\u{1B}[38;2;0;0;0;48;2;\(Int(r.rounded()));\(Int(gg.rounded()));\(Int(b.rounded()))m\(shown)\u{1B}[0m"
      }
      let cube = { (c: Double) in Int((c / 255 * 5).rounded()) }
      let index = 16 + 36 * cube(r) + 6 * cube(gg) + cube(b)
      return "\u{1B}[38;5;16;48;5;\(index)m\(shown)\u{1B}[0m"
    }
  }

  // MARK: - Records

  /// One excerpt on one line: its maximum, its excerpt index, then the shaded tokens.
  public func line(_ record: ActivationRecord, scale: Float) -> String {
    let tokens = zip(record.tokens, record.activations).map { token($0, activation: $1, scale: scale) }.joined()
    return String(format: "%8.3f  #%-6d ", record.maxActivation, record.excerpt) + tokens
  }

  private func header(_ id: NeuronID, _ s: NeuronStats) -> String {
    "neuron \(id)  "
      + String(
        format: "max %.4g  mean %.4g  variance %.4g  skewness %.4g  kurtosis %.4g", s.maxActivation, s.mean, s.variance,
        s.skewness, s.kurtosis)
  }

  /// A neuron's record as the viewer lays it out: the top excerpts, a few from each quantile
  /// bucket (highest bucket first), then random ones, all shaded against the neuron's maximum.
  public func render(_ record: NeuronRecord, top: Int = 4, perQuantile: Int = 1, random: Int = 2) -> String {
    let scale = record.stats.maxActivation
    var out = header(record.id, record.stats) + "\n"
    out += "top\n"
    for r in record.mostPositiveActivationRecords.prefix(top) { out += line(r, scale: scale) + "\n" }
    let levels = record.stats.quantileLevels
    let bounds = record.stats.quantileBoundaries
    for b in record.randomSampleByQuantile.indices.reversed() where perQuantile > 0 {
      out += String(
        format: "quantile [%g, %g]  maxima %.4g to %.4g\n", levels[b], levels[b + 1], bounds[b], bounds[b + 1])
      for r in record.randomSampleByQuantile[b].prefix(perQuantile) { out += line(r, scale: scale) + "\n" }
    }
    if random > 0 {
      out += "random\n"
      for r in record.randomSample.prefix(random) { out += line(r, scale: scale) + "\n" }
    }
    return out
  }

  /// A neuron's splits, each under its name, shaded against the neuron's maximum.
  public func render(_ splits: NeuronSplits) -> String {
    let scale = splits.stats.maxActivation
    var out = header(splits.id, splits.stats) + "\n"
    for (name, records) in splits.named {
      out += "\(name) (\(records.count))\n"
      for r in records { out += line(r, scale: scale) + "\n" }
    }
    return out
  }
}
