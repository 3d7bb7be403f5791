import Foundation

extension NeuronSplits {
  /// The token baseline of this neuron, from the records that are never scored (train and
  /// calibration), so its scores on the valid split are fair.
  public var tokenBaseline: TokenBaseline { TokenBaseline(records: train + calibration) }
}

/// The paper's token baseline, with no language model: the explanation names the tokens with the
/// highest mean activation over a neuron's records, and its simulator predicts each token's value
/// from that table alone. Every score table shows it beside the LLM's explanations, so a score can
/// be read against what token statistics already explain.
public struct TokenBaseline: Hashable, Sendable, Codable {
  /// The tokens it names, strongest first, with their mean activation over the records.
  public var tokens: [String]
  public var meanActivations: [Double]

  /// Tokens seen fewer than `minimumCount` times are left out (a single lucky occurrence says
  /// little); `count` tokens are kept.
  public init(records: [ActivationRecord], count: Int = 5, minimumCount: Int = 1) {
    var sum: [String: Double] = [:]
    var seen: [String: Int] = [:]
    var firstSeen: [String: Int] = [:]
    var order = 0
    for r in records {
      for (t, a) in zip(r.tokens, r.activations) {
        sum[t, default: 0] += Double(a)
        seen[t, default: 0] += 1
        if firstSeen[t] == nil {
          firstSeen[t] = order
          order += 1
        }
      }
    }
    let ranked = sum.keys.filter { seen[$0]! >= minimumCount }.map { ($0, sum[$0]! / Double(seen[$0]!)) }
      .filter { $0.1 > 0 }
      // Ties keep the order in which the tokens first appeared, so the result is reproducible.
      .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : firstSeen[$0.0]! < firstSeen[$1.0]! }
      .prefix(count)
    tokens = ranked.map(\.0)
    meanActivations = ranked.map(\.1)
  }

  /// `the tokens " Journal", " journal" and " Review"`.
  public var explanation: String {
    let quoted = tokens.map { "\"" + ActivationRenderer.visible($0).replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    switch quoted.count {
    case 0: return "no token in particular"
    case 1: return "the token \(quoted[0])"
    default: return "the tokens " + quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
    }
  }

  /// Predicted values (0-10) for a record's tokens: a named token gets its mean activation scaled
  /// to the strongest named token's, any other token 0.
  public func simulate(_ tokens: [String]) -> [Double] {
    guard let top = meanActivations.first, top > 0 else { return tokens.map { _ in 0 } }
    var value: [String: Double] = [:]
    for (t, m) in zip(self.tokens, meanActivations) { value[t] = 10 * m / top }
    return tokens.map { value[$0] ?? 0 }
  }
}

/// Detection and fuzzing scores as in EleutherAI's delphi: the judge says yes or no for each
/// example, and the score is balanced accuracy over the examples it answered.
public struct ClassificationScore: Hashable, Sendable, Codable {
  public var truePositives = 0
  public var falseNegatives = 0
  public var trueNegatives = 0
  public var falsePositives = 0
  /// Examples the judge gave no usable answer for; counted, never scored as wrong or right.
  public var failures = 0

  public init() {}

  /// Adds one example: whether it really has the property, and the judge's answer (nil: failed).
  public mutating func add(actual: Bool, predicted: Bool?) {
    guard let predicted else {
      failures += 1
      return
    }
    switch (actual, predicted) {
    case (true, true): truePositives += 1
    case (true, false): falseNegatives += 1
    case (false, false): trueNegatives += 1
    case (false, true): falsePositives += 1
    }
  }

  /// `(TP / P + TN / N) / 2`; nil without both positives and negatives.
  public var balancedAccuracy: Double? {
    let p = truePositives + falseNegatives
    let n = trueNegatives + falsePositives
    guard p > 0, n > 0 else { return nil }
    return (Double(truePositives) / Double(p) + Double(trueNegatives) / Double(n)) / 2
  }

  public var precision: Double? {
    let d = truePositives + falsePositives
    return d > 0 ? Double(truePositives) / Double(d) : nil
  }

  public var recall: Double? {
    let d = truePositives + falseNegatives
    return d > 0 ? Double(truePositives) / Double(d) : nil
  }

  public var f1: Double? {
    guard let p = precision, let r = recall, p + r > 0 else { return nil }
    return 2 * p * r / (p + r)
  }
}
