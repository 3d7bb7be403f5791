import Foundation

/// The distribution of the neurons' scores as an SVG bar chart over [-1, 1], with the mean token
/// baseline and the mean shuffled score marked, so a score can be read against chance.
enum ScoreHistogram {
  static let bins = 20
  static let width = 640.0
  static let height = 190.0
  static let left = 34.0, right = 12.0, top = 40.0, bottom = 26.0

  static func svg(scores: [Double], baseline: Double?, shuffled: Double?) -> String {
    var counts = [Int](repeating: 0, count: bins)
    for s in scores where s.isFinite {
      counts[min(bins - 1, max(0, Int(((s + 1) / 2 * Double(bins)).rounded(.down))))] += 1
    }
    let most = max(1, counts.max() ?? 1)
    let plotWidth = width - left - right, plotHeight = height - top - bottom
    func x(_ v: Double) -> Double { left + (min(1, max(-1, v)) + 1) / 2 * plotWidth }
    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    var out =
      "<svg class=\"hist\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"histogram of \(scores.count) scores\" xmlns=\"http://www.w3.org/2000/svg\">"
    // Grid and axis.
    out +=
      "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\"/>"
    for tick in [-1.0, -0.5, 0, 0.5, 1] {
      out += "<line class=\"tick\" x1=\"\(f(x(tick)))\" y1=\"\(f(top))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + plotHeight))\"/>"
      out +=
        "<text class=\"lbl\" x=\"\(f(x(tick)))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(tick == 0 ? "0" : String(format: "%g", tick))</text>"
    }
    out += "<text class=\"lbl\" x=\"\(f(left - 6))\" y=\"\(f(top + 4))\" text-anchor=\"end\">\(most)</text>"
    out += "<text class=\"lbl\" x=\"\(f(left - 6))\" y=\"\(f(top + plotHeight))\" text-anchor=\"end\">0</text>"
    // Bars.
    let barWidth = plotWidth / Double(bins)
    for (i, c) in counts.enumerated() where c > 0 {
      let h = Double(c) / Double(most) * plotHeight
      let lo = -1 + 2 * Double(i) / Double(bins), hi = lo + 2 / Double(bins)
      out +=
        "<rect class=\"bar\" x=\"\(f(left + Double(i) * barWidth + 1))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth - 2))\" height=\"\(f(h))\"><title>\(c) neuron\(c == 1 ? "" : "s") scoring \(String(format: "%.1f", lo)) to \(String(format: "%.1f", hi))</title></rect>"
    }
    // Baselines, each labelled on a row of its own so close values never overlap.
    for (row, (value, cls, name)) in [(baseline, "mark-base", "token baseline"), (shuffled, "mark-shuf", "shuffled")].enumerated() {
      guard let value, value.isFinite else { continue }
      let px = x(value)
      let y = top - 24 + 13 * Double(row)
      let leftward = px > width - 150
      out += "<line class=\"\(cls)\" x1=\"\(f(px))\" y1=\"\(f(y + 3))\" x2=\"\(f(px))\" y2=\"\(f(top + plotHeight))\"/>"
      out +=
        "<text class=\"\(cls) lbl\" x=\"\(f(px + (leftward ? -5 : 5)))\" y=\"\(f(y + 4))\" text-anchor=\"\(leftward ? "end" : "start")\">\(name) \(Numbers.fixed(value))</text>"
    }
    return out + "</svg>"
  }
}
