import Foundation

/// The simulator's prompts and the parsing of its answers. The simulator reads an explanation and
/// predicts, for every token of an excerpt, the neuron's activation on the 0-10 scale.
///
/// - All at once (where the backend returns prompt log-probabilities): every target token is
///   written `token<TAB>unknown` in one prompt; the distribution the model puts on the "unknown"
///   slot after each tab, restricted to the values, gives that token's expected value.
/// - Token by token (where generated tokens come with top log-probabilities): the same prompt
///   cut where one token's value goes; one generated token, read like an all-at-once slot.
/// - Generated (any chat backend): the model writes the records out with its values, and the
///   reply is aligned with the tokens; a reply that cannot be aligned is a failure, never zeros.
///
/// The scale is 0-9, not the paper's 0-10: tokenizers of the Llama, SmolLM and Qwen families write
/// "10" as the two tokens "1" "0", so at a value slot the probability of "1" would mix 1 and 10
/// and the strongest activations would read as 1. With one digit per value every tokenizer reads
/// the whole distribution from one position. Correlation does not depend on the scale.
public enum SimulationPrompt {
  /// Bumped whenever the text of a simulation prompt changes.
  public static let version = 2

  /// The largest value on the simulator's scale.
  public static let maxValue = 9

  /// The values the simulator may give, as the strings it writes them.
  public static let values = (0...maxValue).map(String.init)

  public static let system = """
    You are predicting how one neuron of a language model fires. You are given an explanation of \
    what the neuron responds to, then texts token by token. Each line holds a token, a tab, and \
    the neuron's activation on it, a digit from 0 (not at all) to 9 (its strongest); \
    "unknown" stands for an activation you are to predict. Most activations are 0.
    """

  /// The text after which the target's value slots start (the scorer reads slots after the last
  /// occurrence).
  public static let recordStart = "<start>"

  /// The user turn that gives the explanation of neuron `i`.
  public static func explanationTurn(neuron i: Int, explanation: String) -> String {
    "Neuron \(i)\nExplanation of neuron \(i) behavior: \(ExplanationPrompt.lead) \(explanation)"
  }

  /// Records in the prompt's line format; a token at or after `revealedFrom[r]` shows its value
  /// (normalised), earlier ones show `unknown`. With no `revealedFrom`, every value is unknown.
  public static func records(_ records: [ActivationRecord], revealedFrom: [Int]? = nil) -> String {
    let normalized = PromptNormalization.normalize(records.map(\.activations), top: maxValue)
    return "\nActivations:"
      + records.enumerated().map { r, record in
        let reveal = revealedFrom.map { $0[r] } ?? Int.max
        return ExplanationPrompt.recordBlock(
          zip(record.tokens, normalized[r]).enumerated().map { j, pair in (pair.0, j >= reveal ? String(pair.1) : "unknown") })
      }.joined()
  }

  /// The all-at-once prompt for one excerpt: the worked examples (values revealed part way, so
  /// the model learns that "unknown" may be followed by real values), then the target with every
  /// value unknown as the final assistant turn, which the backend scores rather than continues.
  public static func allAtOnce(explanation: String, tokens: [String], examples: [WorkedNeuron] = WorkedNeurons.standard) -> [ChatMessage] {
    var out = [ChatMessage(.system, system)]
    for (i, example) in examples.enumerated() {
      out.append(ChatMessage(.user, explanationTurn(neuron: i + 1, explanation: example.explanation)))
      // Reveal from the middle of each record.
      out.append(ChatMessage(.assistant, records(example.records, revealedFrom: example.records.map { $0.tokens.count / 2 })))
    }
    out.append(ChatMessage(.user, explanationTurn(neuron: examples.count + 1, explanation: explanation)))
    let target = ActivationRecord(tokens: tokens, activations: [Float](repeating: 0, count: tokens.count), excerpt: -1)
    out.append(ChatMessage(.assistant, records([target])))
    return out
  }

  /// The token-by-token prompt for token `j` of an excerpt: the all-at-once prompt with the
  /// target cut right after token j's tab, so the next token the model writes is its value.
  /// Every prompt of an excerpt shares the text before its own line, which backends reuse.
  public static func tokenByToken(
    explanation: String, tokens: [String], upTo j: Int, examples: [WorkedNeuron] = WorkedNeurons.standard
  )
    -> [ChatMessage]
  {
    var out = allAtOnce(explanation: explanation, tokens: [], examples: examples)
    let lines = tokens[..<j].map { ActivationRenderer.visible($0) + "\tunknown\n" }.joined()
    out[out.count - 1].content = "\nActivations:\n<start>\n" + lines + ActivationRenderer.visible(tokens[j]) + "\t"
    return out
  }

  /// The generation prompt: each worked example as a user turn with its records unknown and an
  /// assistant turn that writes them with their values; then the target's records, unknown. The
  /// reply is read with `parseGenerated`.
  public static func generation(explanation: String, tokens: [String], examples: [WorkedNeuron] = WorkedNeurons.standard) -> [ChatMessage] {
    let instruction = "\nWrite every line again with its activation in place of \"unknown\"."
    var out = [ChatMessage(.system, system)]
    for (i, example) in examples.enumerated() {
      let unknown = records(example.records, revealedFrom: example.records.map { $0.tokens.count })
      out.append(ChatMessage(.user, explanationTurn(neuron: i + 1, explanation: example.explanation) + "\n" + unknown + instruction))
      out.append(ChatMessage(.assistant, records(example.records, revealedFrom: example.records.map { _ in 0 })))
    }
    let target = ActivationRecord(tokens: tokens, activations: [Float](repeating: 0, count: tokens.count), excerpt: -1)
    out.append(
      ChatMessage(.user, explanationTurn(neuron: examples.count + 1, explanation: explanation) + "\n" + records([target]) + instruction))
    return out
  }

  /// The expected value of the distribution a model puts on the values "0"..."10", given its
  /// log-probabilities of candidate tokens (a top-k list). Tokens that are not a value are
  /// ignored (surrounding spaces are trimmed) and the rest renormalised. nil when no value is
  /// among the candidates: that position failed and must be counted, not read as 0.
  public static func expectedValue(
    logProbabilities: [(token: String, logProbability: Double)]
  ) -> (value: Double, distribution: [Int: Double])? {
    var mass: [Int: Double] = [:]
    for (token, lp) in logProbabilities {
      let t = token.trimmingCharacters(in: .whitespaces)
      guard let v = Int(t), (0...maxValue).contains(v), String(v) == t, lp.isFinite || lp == -.infinity else { continue }
      mass[v, default: 0] += exp(lp)
    }
    let total = mass.values.reduce(0, +)
    guard total > 0, total.isFinite else { return nil }
    let distribution = mass.mapValues { $0 / total }
    let value = distribution.reduce(0.0) { $0 + Double($1.key) * $1.value }
    return (value, distribution)
  }

  /// The values a generated reply gives for `tokens`: the reply's lines `token<TAB>value` in
  /// order, read leniently (surrounding space, `<start>`/`<end>` and other lines skipped, values
  /// clamped to 0...9). nil when the reply's token lines do not line up one to one with `tokens`.
  public static func parseGenerated(_ reply: String, tokens: [String]) -> [Double]? {
    var values: [Double] = []
    for line in reply.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      guard let tab = line.lastIndex(of: "\t") else { continue }
      let number = line[line.index(after: tab)...].trimmingCharacters(in: .whitespaces)
      guard let v = Double(number), v.isFinite else { continue }
      values.append(min(Double(maxValue), max(0, v)))
    }
    return values.count == tokens.count ? values : nil
  }
}
