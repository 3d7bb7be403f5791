import Foundation
import NxpCore

/// An excerpt with some of its tokens highlighted, as the fuzzing prompt shows it.
public struct HighlightedExcerpt: Hashable, Sendable, Codable {
  public var tokens: [String]
  public var highlighted: [Bool]

  public init(tokens: [String], highlighted: [Bool]) {
    precondition(tokens.count == highlighted.count, "one flag per token")
    self.tokens = tokens
    self.highlighted = highlighted
  }

  /// The tokens joined, each run of adjacent highlighted tokens inside one `<<` `>>` pair:
  /// `I did<< not>> see it`. Control characters and line breaks are shown as visible symbols
  /// (`⏎`), and `<` and `>` inside tokens as `‹` and `›`, so the only `<<` and `>>` in the text
  /// are the marks and every excerpt stays on one line.
  public var text: String {
    var out = ""
    var inside = false
    for (token, on) in zip(tokens, highlighted) {
      if on != inside {
        out += on ? "<<" : ">>"
        inside = on
      }
      out += ActivationRenderer.visible(token).replacingOccurrences(of: "<", with: "‹").replacingOccurrences(of: ">", with: "›")
    }
    return inside ? out + ">>" : out
  }
}

/// Which tokens of an excerpt the fuzzing prompt highlights, and how.
///
/// The rule: a token *fires* when its level, `floor(10 * max(0, a) / m)` capped at 10 where `m`
/// is the largest activation in the same excerpt, is at least `minimumLevel` (3 by default, that
/// is, at least 30% of the excerpt's peak). Scaling by the excerpt's own peak, not the neuron's,
/// keeps highlights on weakly activating excerpts from low quantiles; an excerpt whose peak is
/// not above 0 has no firing token.
/// - A correctly highlighted excerpt highlights exactly its firing tokens.
/// - A fuzzed excerpt highlights `count` tokens that do not fire, drawn uniformly without
///   replacement by `SplitMix64` from the seed given for that excerpt. When fewer than `count`
///   tokens are eligible (or `count` is 0) there is no fuzzed version: the caller skips the
///   excerpt and counts it.
public struct HighlightRule: Hashable, Sendable, Codable {
  public var minimumLevel: Int

  public init(minimumLevel: Int = 3) {
    precondition((1...10).contains(minimumLevel), "a level from 1 to 10")
    self.minimumLevel = minimumLevel
  }

  public static let standard = HighlightRule()

  /// Which tokens fire, by the rule above.
  public func firing(_ activations: [Float]) -> [Bool] {
    let peak = activations.max() ?? 0
    guard peak > 0, peak.isFinite else { return activations.map { _ in false } }
    return activations.map { ActivationRenderer.level($0, scale: peak) >= minimumLevel }
  }

  /// `count` tokens that do not fire, chosen with `seed`; nil when there are fewer than `count`
  /// of them or `count` is not positive.
  public func fuzzed(_ activations: [Float], count: Int, seed: UInt64) -> [Bool]? {
    let firing = self.firing(activations)
    var eligible = firing.indices.filter { !firing[$0] }
    guard count > 0, eligible.count >= count else { return nil }
    var rng = SplitMix64(seed: seed)
    var out = [Bool](repeating: false, count: activations.count)
    // Partial Fisher-Yates; modulo keeps the draw independent of the standard library's algorithms.
    for k in 0..<count {
      let j = k + Int(rng.next() % UInt64(eligible.count - k))
      eligible.swapAt(k, j)
      out[eligible[k]] = true
    }
    return out
  }
}

/// One excerpt of a fuzzing batch and whether its highlights are where the neuron fires.
public struct FuzzingExample: Hashable, Sendable, Codable {
  public enum Source: Hashable, Sendable, Codable {
    /// The i-th activating record.
    case activating(Int)
    /// The i-th non-activating record.
    case nonActivating(Int)
  }

  public var excerpt: HighlightedExcerpt
  /// True when the highlights are the firing tokens, false when they were drawn at random.
  public var isCorrect: Bool
  public var source: Source

  public init(excerpt: HighlightedExcerpt, isCorrect: Bool, source: Source) {
    self.excerpt = excerpt
    self.isCorrect = isCorrect
    self.source = source
  }
}

/// An excerpt a fuzzing test could not show: which record, and which version (correct or fuzzed).
public struct FuzzingSkip: Hashable, Sendable, Codable {
  public var source: FuzzingExample.Source
  public var isCorrect: Bool

  public init(source: FuzzingExample.Source, isCorrect: Bool) {
    self.source = source
    self.isCorrect = isCorrect
  }
}

/// The fuzzing prompt: like detection, but every excerpt has some tokens highlighted, and the judge
/// says whether the highlights sit on tokens the explanation says the neuron fires on.
public enum FuzzingPrompt {
  /// Bumped whenever the text of the prompt changes.
  public static let version = 1

  public static let system = """
    You are testing an explanation of one neuron of a language model. You are given the \
    explanation, then numbered excerpts of text in which some tokens are marked: each run of \
    marked tokens stands between << and >>. In some excerpts the marks are on the tokens where the \
    neuron fires; in the others they are on tokens picked at random. For each excerpt, judge from \
    the explanation alone whether every marked token is one the neuron would fire on. Answer with a \
    JSON list and nothing else: one number per excerpt, in order, 1 if all its marks are on tokens \
    the neuron fires on and 0 otherwise. The list must have exactly as many numbers as there are \
    excerpts.
    """

  /// A batch with its right answers, shown to the judge before the real one.
  public struct WorkedBatch: Hashable, Sendable {
    public var explanation: String
    public var excerpts: [HighlightedExcerpt]
    public var answers: [Bool]

    public init(explanation: String, excerpts: [HighlightedExcerpt], answers: [Bool]) {
      precondition(excerpts.count == answers.count, "one answer per excerpt")
      self.explanation = explanation
      self.excerpts = excerpts
      self.answers = answers
    }
  }

  /// Tokens, with the highlighted ones written `<<token>>`.
  static func marked(_ words: [String]) -> HighlightedExcerpt {
    HighlightedExcerpt(
      tokens: words.map { $0.replacingOccurrences(of: "<<", with: "").replacingOccurrences(of: ">>", with: "") },
      highlighted: words.map { $0.hasPrefix("<<") })
  }

  public static let workedExample = WorkedBatch(
    explanation: "words that negate a statement, such as \"not\", \"never\" and \"n't\"",
    excerpts: [
      marked(["I", " did", "<< not>>", " see", " it", "."]),
      marked(["It", "<< was>>", " easy", ",", " and", "<< it>>", " works", "."]),
      marked(["We", " will", "<< never>>", " go", " back", "."]),
      marked(["She", "<< closed>>", " the", " door", "."]),
    ],
    answers: [true, false, true, false])

  /// The messages that ask, for each excerpt, whether its highlights are on tokens the neuron
  /// explained by `explanation` fires on.
  public static func messages(
    explanation: String, excerpts: [HighlightedExcerpt], example: WorkedBatch? = workedExample
  )
    -> [ChatMessage]
  {
    ClassificationPrompt.conversation(
      system: system, example: example.map { (batch(explanation: $0.explanation, excerpts: $0.excerpts), $0.answers) },
      target: batch(explanation: explanation, excerpts: excerpts))
  }

  /// The user turn of one batch.
  public static func batch(explanation: String, excerpts: [HighlightedExcerpt]) -> String {
    ClassificationPrompt.batch(explanation: explanation, lines: excerpts.map(\.text))
  }

  /// The judge's answers for a batch of `count` excerpts; nil when the reply holds no list of
  /// `count` 0s and 1s (see `ClassificationReply.parse`).
  public static func parse(reply: String, count: Int) -> [Bool]? { ClassificationReply.parse(reply, count: count) }

  /// The excerpts of a fuzzing test, by `rule`, in this order: for each activating record, its
  /// correctly highlighted version, then (with `fuzzActivating`) a fuzzed copy with as many
  /// random highlights as it has firing tokens; then each non-activating record fuzzed with
  /// `ceil(mean firing tokens per activating record)` highlights. Each fuzzed excerpt draws with
  /// its own seed, the next value of a `SplitMix64` seeded with `seed` (drawn for every record in
  /// that order, skipped or not), so excerpts draw their positions independently; re-seeding
  /// every excerpt with one constant would give all-zero excerpts of one length the same positions.
  ///
  /// Records that cannot be shown (an activating record with no firing token, a fuzzed copy
  /// without enough eligible tokens) are returned in `skipped`, never dropped silently.
  public static func examples(
    activating: [ActivationRecord], nonActivating: [ActivationRecord], fuzzActivating: Bool = true, rule: HighlightRule = .standard,
    seed: UInt64
  ) -> (examples: [FuzzingExample], skipped: [FuzzingSkip]) {
    var out: [FuzzingExample] = []
    var skipped: [FuzzingSkip] = []
    var seeds = SplitMix64(seed: seed)
    var firingCounts: [Int] = []
    for (i, r) in activating.enumerated() {
      let firing = rule.firing(r.activations)
      let n = firing.filter { $0 }.count
      let fuzzSeed = seeds.next()
      guard n > 0 else {
        skipped.append(FuzzingSkip(source: .activating(i), isCorrect: true))
        if fuzzActivating { skipped.append(FuzzingSkip(source: .activating(i), isCorrect: false)) }
        continue
      }
      firingCounts.append(n)
      out.append(
        FuzzingExample(excerpt: HighlightedExcerpt(tokens: r.tokens, highlighted: firing), isCorrect: true, source: .activating(i)))
      guard fuzzActivating else { continue }
      if let wrong = rule.fuzzed(r.activations, count: n, seed: fuzzSeed) {
        out.append(
          FuzzingExample(excerpt: HighlightedExcerpt(tokens: r.tokens, highlighted: wrong), isCorrect: false, source: .activating(i)))
      } else {
        skipped.append(FuzzingSkip(source: .activating(i), isCorrect: false))
      }
    }
    let total = firingCounts.reduce(0, +)
    let count = firingCounts.isEmpty ? 0 : (total + firingCounts.count - 1) / firingCounts.count
    for (i, r) in nonActivating.enumerated() {
      let fuzzSeed = seeds.next()
      if let wrong = rule.fuzzed(r.activations, count: count, seed: fuzzSeed) {
        out.append(
          FuzzingExample(excerpt: HighlightedExcerpt(tokens: r.tokens, highlighted: wrong), isCorrect: false, source: .nonActivating(i)))
      } else {
        skipped.append(FuzzingSkip(source: .nonActivating(i), isCorrect: false))
      }
    }
    return (out, skipped)
  }
}
