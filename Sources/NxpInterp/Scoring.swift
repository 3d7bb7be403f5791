import Foundation

// The scores of an explanation, after Bills et al. (2023) and neuron-explainer's scoring.py:
// pure functions of true activations `t` (raw, may be negative) and simulated values `s`.
// A score of a list of sequences concatenates every token of every sequence first (it is not an
// average of per-sequence scores). A score that is undefined (a constant side, no tokens) is nil,
// never 0, so that it cannot pass for a bad score.

public enum Scoring {
  /// Pearson correlation of `t` and `s` (numpy's `corrcoef(t, s)[0, 1]`), or nil when either
  /// side is constant, the lengths differ, or there are fewer than two values.
  public static func correlation(_ t: [Double], _ s: [Double]) -> Double? {
    guard t.count == s.count, t.count >= 2 else { return nil }
    let n = Double(t.count)
    // Two passes: centred sums are exact enough where the one-pass formula cancels.
    let mt = t.reduce(0, +) / n
    let ms = s.reduce(0, +) / n
    var stt = 0.0, sss = 0.0, sts = 0.0
    for i in t.indices {
      let a = t[i] - mt
      let b = s[i] - ms
      stt += a * a
      sss += b * b
      sts += a * b
    }
    guard stt > 0, sss > 0 else { return nil }
    return max(-1, min(1, sts / (stt.squareRoot() * sss.squareRoot())))
  }

  /// Correlation over every token of every sequence, concatenated.
  public static func correlation(_ t: [[Double]], _ s: [[Double]]) -> Double? {
    guard t.count == s.count, zip(t, s).allSatisfy({ $0.count == $1.count }) else { return nil }
    return correlation(t.flatMap { $0 }, s.flatMap { $0 })
  }

  /// `1 - mean((t - s)^2) / mean(t^2)` (not mean-centred, as in neuron-explainer); nil when
  /// `t` is all zeros or the lengths differ. Meaningful only after calibration.
  public static func rSquared(_ t: [Double], _ s: [Double]) -> Double? {
    guard t.count == s.count, !t.isEmpty else { return nil }
    var err = 0.0, norm = 0.0
    for i in t.indices {
      err += (t[i] - s[i]) * (t[i] - s[i])
      norm += t[i] * t[i]
    }
    return norm > 0 ? 1 - err / norm : nil
  }

  /// `1 - mean|t - s| / mean|t|`; nil when `t` is all zeros or the lengths differ.
  public static func absoluteDeviationExplained(_ t: [Double], _ s: [Double]) -> Double? {
    guard t.count == s.count, !t.isEmpty else { return nil }
    var err = 0.0, norm = 0.0
    for i in t.indices {
      err += abs(t[i] - s[i])
      norm += abs(t[i])
    }
    return norm > 0 ? 1 - err / norm : nil
  }
}

/// A least-squares line `true ≈ slope * simulated + intercept`, fitted on the calibration split
/// and used to put simulated values (0-10) back into neuron units (for ablation, R² and abs-dev).
public struct LinearCalibration: Hashable, Sendable, Codable {
  public var slope: Double
  public var intercept: Double

  public init(slope: Double, intercept: Double) {
    self.slope = slope
    self.intercept = intercept
  }

  /// Fits `t ≈ slope * s + intercept` by ordinary least squares (sklearn's LinearRegression).
  /// When `s` is constant the slope is 0 and the intercept the mean of `t`; nil without values.
  public static func fit(simulated s: [Double], true t: [Double]) -> LinearCalibration? {
    guard s.count == t.count, !s.isEmpty else { return nil }
    let n = Double(s.count)
    let ms = s.reduce(0, +) / n
    let mt = t.reduce(0, +) / n
    var sxx = 0.0, sxy = 0.0
    for i in s.indices {
      sxx += (s[i] - ms) * (s[i] - ms)
      sxy += (s[i] - ms) * (t[i] - mt)
    }
    let slope = sxx > 0 ? sxy / sxx : 0
    return LinearCalibration(slope: slope, intercept: mt - slope * ms)
  }

  public func apply(_ s: Double) -> Double { slope * s + intercept }
  public func apply(_ s: [Double]) -> [Double] { s.map(apply) }
}

/// Activations as the explainer and simulator prompts show them: integers 0-10 against the
/// largest positive activation over the records shown. Negative values are 0 ("resting"); with no
/// positive value at all every token is 0.
public enum PromptNormalization {
  /// The largest `max(0, a)` over every record, the scale the prompt uses.
  public static func maxActivation(_ records: [[Float]]) -> Float {
    var m: Float = 0
    for r in records { for a in r where a > m { m = a } }
    return m
  }

  /// `min(top, floor(top * max(0, a) / maxActivation))` for every token of every record; `top` is
  /// 10 in the explainer's prompt (the paper's scale) and 9 in the simulator's.
  public static func normalize(_ records: [[Float]], maxActivation: Float? = nil, top: Int = 10) -> [[Int]] {
    let scale = maxActivation ?? self.maxActivation(records)
    guard scale > 0, scale.isFinite else { return records.map { [Int](repeating: 0, count: $0.count) } }
    return records.map { r in
      r.map { a in
        guard a > 0 else { return 0 }
        // In Double, so 10 * a / scale rounds the same way as Python's float arithmetic.
        let v = (Double(top) * Double(a) / Double(scale)).rounded(.down)
        return v.isFinite ? min(top, Int(v)) : top
      }
    }
  }

  /// Whether fewer than 20% of the values are non-zero, when the explainer prompt repeats the
  /// records with the zero lines left out.
  public static func isSparse(_ normalized: [[Int]]) -> Bool {
    let total = normalized.reduce(0) { $0 + $1.count }
    let nonZero = normalized.reduce(0) { $0 + $1.filter { $0 != 0 }.count }
    return total > 0 && Double(nonZero) < 0.2 * Double(total)
  }
}
