import Foundation

/// One message of a chat prompt.
public struct ChatMessage: Hashable, Sendable, Codable {
  public enum Role: String, Hashable, Sendable, Codable { case system, user, assistant }
  public var role: Role
  public var content: String

  public init(_ role: Role, _ content: String) {
    self.role = role
    self.content = content
  }
}

/// A neuron shown as a worked example: its records and the explanation a good answer gives.
public struct WorkedNeuron: Hashable, Sendable {
  public var records: [ActivationRecord]
  public var explanation: String

  public init(records: [ActivationRecord], explanation: String) {
    self.records = records
    self.explanation = explanation
  }
}

/// The explainer's prompt, in the paper's structure with nxp's own wording and examples: a system
/// message; for each worked example a user turn with its records and an assistant turn with its
/// explanation; then the target neuron's records, ending with the sentence the model completes.
///
/// Records are normalised per neuron to integers 0-10 against the largest activation shown
/// (`PromptNormalization`), one `token<TAB>value` line per token, each record between `<start>`
/// and `<end>` lines. When under 20% of the values are non-zero, the records follow again with
/// only their non-zero lines. Tab, newline and other control characters in a token are shown as
/// visible symbols (`⇥`, `⏎`) so each token stays on one line.
public enum ExplanationPrompt {
  /// Bumped whenever the text of the prompt changes (it joins the cache key of explanations).
  public static let version = 2

  public static let system = """
    You are studying one neuron of a language model. You are shown short texts token by token, \
    each token with how strongly the neuron fires on it, as an integer from 0 (not at all) to 10 \
    (as strongly as it fires on any token shown). Each line holds a token, a tab, and that number. \
    Say in one short sentence what the neuron responds to: describe the pattern, the kind of token \
    or context that makes it fire, rather than listing the tokens themselves.
    """

  /// The words the answer completes; the explanation is the rest of this sentence.
  public static let lead = "the main thing this neuron does is find"

  /// The messages that ask for an explanation of the neuron whose records are `records`. With
  /// `prefill` (backends that continue a final assistant message), every answer starts with the
  /// lead and the prompt ends in an open answer holding only the lead, so even a small model
  /// completes the sentence instead of starting its own.
  public static func messages(
    for records: [ActivationRecord], examples: [WorkedNeuron] = WorkedNeurons.standard, prefill: Bool = false
  ) -> [ChatMessage] {
    var out = [ChatMessage(.system, system)]
    for (i, example) in examples.enumerated() {
      out.append(ChatMessage(.user, block(neuron: i + 1, records: example.records)))
      out.append(ChatMessage(.assistant, (prefill ? lead : "") + " \(example.explanation)."))
    }
    out.append(ChatMessage(.user, block(neuron: examples.count + 1, records: records)))
    if prefill { out.append(ChatMessage(.assistant, lead)) }
    return out
  }

  /// One neuron's user turn.
  public static func block(neuron i: Int, records: [ActivationRecord]) -> String {
    let normalized = PromptNormalization.normalize(records.map(\.activations))
    var out = "Neuron \(i)\nActivations:" + format(records, normalized, nonZeroOnly: false)
    if PromptNormalization.isSparse(normalized) {
      out += "\nThe same records, with only the tokens where it fires:" + format(records, normalized, nonZeroOnly: true)
    }
    return out + "\nExplanation of neuron \(i) behavior: \(lead)"
  }

  /// `\n<start>\n` token lines `\n<end>\n` for every record.
  static func format(_ records: [ActivationRecord], _ normalized: [[Int]], nonZeroOnly: Bool) -> String {
    zip(records, normalized).map { r, values in
      recordBlock(zip(r.tokens, values).filter { !nonZeroOnly || $0.1 != 0 }.map { ($0.0, String($0.1)) })
    }.joined()
  }

  /// One record as the prompts write it: `<start>`, a `token<TAB>value` line per token (control
  /// characters in the token made visible), `<end>`.
  static func recordBlock(_ lines: [(token: String, value: String)]) -> String {
    "\n<start>\n" + lines.map { ActivationRenderer.visible($0.token) + "\t" + $0.value }.joined(separator: "\n") + "\n<end>\n"
  }

  /// The explanation in a reply: the text after the lead (if the model repeated it), first
  /// sentence, trimmed, without the final full stop. nil when nothing is left.
  public static func explanation(fromReply reply: String) -> String? {
    var text = reply.trimmingCharacters(in: .whitespacesAndNewlines)
    if let r = text.range(of: lead, options: .caseInsensitive) { text = String(text[r.upperBound...]) }
    if let newline = text.firstIndex(where: \.isNewline) { text = String(text[..<newline]) }
    text = text.trimmingCharacters(in: .whitespaces)
    while text.hasSuffix(".") { text.removeLast() }
    text = text.trimmingCharacters(in: .whitespaces)
    return text.isEmpty ? nil : text
  }
}

/// nxp's worked examples: three neurons a reader can check by eye, each with two short records.
public enum WorkedNeurons {
  static func record(_ pairs: [(String, Float)]) -> ActivationRecord {
    ActivationRecord(tokens: pairs.map(\.0), activations: pairs.map(\.1), excerpt: -1)
  }

  public static let standard: [WorkedNeuron] = [
    WorkedNeuron(
      records: [
        record([
          ("The", 0), (" bridge", 0), (" opened", 0), (" in", 0.1), (" 1932", 3.1), (" and", 0), (" closed", 0), (" in", 0.2),
          (" 2004", 2.9), (".", 0),
        ]),
        record([("Born", 0), (" in", 0), (" March", 0.4), (" 1871", 3.0), (",", 0), (" she", 0), (" moved", 0), (" to", 0), (" Lyon", 0)]),
      ],
      explanation: "years written as four-digit numbers, mostly after \"in\""),
    WorkedNeuron(
      records: [
        record([("I", 0), (" did", 0), (" not", 2.2), (" see", 0.3), (" it", 0), (",", 0), (" and", 0), (" never", 2.0), (" will", 0.1)]),
        record([("It", 0), (" isn", 0.4), ("'t", 2.4), (" easy", 0.2), (" but", 0), (" it", 0), (" works", 0)]),
      ],
      explanation: "words that negate a statement, such as \"not\", \"never\" and \"n't\""),
    WorkedNeuron(
      records: [
        record([
          ("print", 0), ("(", 0), ("len", 0), ("(", 0), ("x", 0), (")", 1.5), (")", 1.8), ("\n", 0), ("y", 0), (" =", 0), (" f", 0),
          ("(", 0), ("2", 0), (")", 1.6),
        ]),
        record([("The", 0), (" result", 0), (" (", 0), ("see", 0), (" below", 0), (")", 1.4), (" holds", 0), (".", 0)]),
      ],
      explanation: "closing parentheses, in code and in prose"),
  ]
}
