import Foundation
import NxpCore

// Detection and fuzzing scores (after EleutherAI's delphi, in nxp's own wording): a judge model
// reads an explanation and a numbered batch of excerpts and answers yes or no for each one. The
// answer is a JSON list of 0s and 1s, one per excerpt; a reply that does not hold exactly one such
// list of the right length is a failure, counted per excerpt and never read as all "no".

/// Reading a judge's 0/1 list out of a reply, shared by detection and fuzzing.
public enum ClassificationReply {
  /// The answers in `reply` for a batch of `count` excerpts.
  ///
  /// Every bracketed list in the reply whose entries are all `0` or `1` (JSON numbers, any spacing
  /// and line breaks) is a candidate, wherever it stands: after prose, inside a code fence, inside
  /// an outer list. Candidates of another length are ignored. The answer is the candidate of length
  /// `count` when there is one, or when several all agree; nil when there is none or they differ
  /// (an ambiguous reply is a failure, not a guess).
  public static func parse(_ reply: String, count: Int) -> [Bool]? {
    guard count > 0 else { return nil }
    var found: [Bool]?
    for list in candidates(reply) where list.count == count {
      if let found, found != list { return nil }
      found = list
    }
    return found
  }

  /// The innermost bracketed lists of 0s and 1s, in order.
  static func candidates(_ reply: String) -> [[Bool]] {
    var out: [[Bool]] = []
    var open: String.Index?
    for i in reply.indices {
      switch reply[i] {
      case "[": open = i
      case "]":
        if let start = open, let list = bits(reply[reply.index(after: start)..<i]) { out.append(list) }
        open = nil
      default: break
      }
    }
    return out
  }

  /// `1, 0 ,1` as [true, false, true]; nil when any entry is not exactly 0 or 1.
  static func bits(_ inner: Substring) -> [Bool]? {
    let entries = inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    var out: [Bool] = []
    for e in entries {
      switch e {
      case "1": out.append(true)
      case "0": out.append(false)
      default: return nil
      }
    }
    return out
  }
}

/// Shuffled batches for a classification scorer. Every batch's prompt states its own length, so
/// a shorter last batch is asked and parsed like any other (not failed for its length).
public enum ClassificationBatching {
  /// The indices `0..<count` in an order shuffled by `seed` (Fisher-Yates with `SplitMix64`,
  /// so the same seed gives the same batches on every platform), cut into batches of `size`;
  /// the last batch holds what is left.
  public static func batches(count: Int, size: Int, seed: UInt64) -> [[Int]] {
    precondition(size > 0, "batch size must be positive")
    var order = Array(0..<max(0, count))
    var rng = SplitMix64(seed: seed)
    for i in stride(from: order.count - 1, to: 0, by: -1) {
      order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
    }
    return stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min($0 + size, order.count)]) }
  }
}

extension ClassificationScore {
  /// The score of answered batches: each batch's true labels and the judge's parsed answers.
  public init(batches: [(actual: [Bool], predicted: [Bool]?)]) {
    self.init()
    for b in batches { add(actual: b.actual, predicted: b.predicted) }
  }

  /// Adds one batch. A batch without answers (nil), or with a different number of answers than
  /// excerpts, adds one failure per excerpt.
  public mutating func add(actual: [Bool], predicted: [Bool]?) {
    guard let predicted, predicted.count == actual.count else {
      failures += actual.count
      return
    }
    for (a, p) in zip(actual, predicted) { add(actual: a, predicted: p) }
  }
}

/// The detection prompt: the judge reads an explanation and a numbered batch of excerpts, some on
/// which the neuron fires (its top or quantile records) and some on which it does not, and says
/// for each whether the neuron fires anywhere in it.
///
/// Each excerpt is one line, `Excerpt i: ` then its tokens joined, with control characters and
/// line breaks shown as visible symbols (`⏎`, `⇥`) so an excerpt stays on its line. One worked
/// batch (a user turn and the assistant's answer) comes before the batch to judge.
public enum DetectionPrompt {
  /// Bumped whenever the text of the prompt changes.
  public static let version = 1

  public static let system = """
    You are testing an explanation of one neuron of a language model. You are given the \
    explanation, then numbered excerpts of text. The neuron fires somewhere in some of the \
    excerpts and nowhere in the others. For each excerpt, judge from the explanation alone whether \
    the neuron fires on any of its tokens. Answer with a JSON list and nothing else: one number per \
    excerpt, in order, 1 if the neuron fires in it and 0 if it does not. The list must have exactly \
    as many numbers as there are excerpts.
    """

  /// A batch with its right answers, shown to the judge before the real one.
  public struct WorkedBatch: Hashable, Sendable {
    public var explanation: String
    public var excerpts: [[String]]
    public var answers: [Bool]

    public init(explanation: String, excerpts: [[String]], answers: [Bool]) {
      precondition(excerpts.count == answers.count, "one answer per excerpt")
      self.explanation = explanation
      self.excerpts = excerpts
      self.answers = answers
    }
  }

  public static let workedExample = WorkedBatch(
    explanation: "years written as four-digit numbers",
    excerpts: [
      ["The", " bridge", " opened", " in", " 1932", "."],
      ["She", " counted", " 40", " sheep", " before", " sleeping", "."],
      ["Prices", " rose", " sharply", " after", " the", " war", "."],
      ["In", " 2004", " the", " line", " closed", "."],
    ],
    answers: [true, false, false, true])

  /// The messages that ask whether the neuron explained by `explanation` fires in each excerpt
  /// (given as tokens).
  public static func messages(explanation: String, excerpts: [[String]], example: WorkedBatch? = workedExample) -> [ChatMessage] {
    ClassificationPrompt.conversation(
      system: system, example: example.map { (batch(explanation: $0.explanation, excerpts: $0.excerpts), $0.answers) },
      target: batch(explanation: explanation, excerpts: excerpts))
  }

  /// The user turn of one batch.
  public static func batch(explanation: String, excerpts: [[String]]) -> String {
    ClassificationPrompt.batch(explanation: explanation, lines: excerpts.map { $0.map(ActivationRenderer.visible).joined() })
  }

  /// The judge's answers for a batch of `count` excerpts; nil when the reply holds no list of
  /// `count` 0s and 1s (see `ClassificationReply.parse`).
  public static func parse(reply: String, count: Int) -> [Bool]? { ClassificationReply.parse(reply, count: count) }
}

/// Text shared by the detection and fuzzing prompts.
enum ClassificationPrompt {
  static func batch(explanation: String, lines: [String]) -> String {
    precondition(!lines.isEmpty, "a batch needs at least one excerpt")
    let numbered = lines.enumerated().map { "Excerpt \($0 + 1): \($1)" }.joined(separator: "\n")
    let n = lines.count
    return "Explanation: \(ExplanationPrompt.lead) \(explanation)\n\n\(numbered)\n\n"
      + "Answer with a JSON list of \(n) number\(n == 1 ? "" : "s"), each 0 or 1."
  }

  /// `[1, 0, 1]`
  static func answer(_ answers: [Bool]) -> String { "[" + answers.map { $0 ? "1" : "0" }.joined(separator: ", ") + "]" }

  /// The system message, the worked batch and its answer when there is one, then the target batch.
  static func conversation(system: String, example: (batch: String, answers: [Bool])?, target: String) -> [ChatMessage] {
    var out = [ChatMessage(.system, system)]
    if let example {
      out.append(ChatMessage(.user, example.batch))
      out.append(ChatMessage(.assistant, answer(example.answers)))
    }
    out.append(ChatMessage(.user, target))
    return out
  }
}
