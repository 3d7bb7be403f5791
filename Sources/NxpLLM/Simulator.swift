import Foundation
import NxpCore
import NxpInterp

/// How activations are simulated from an explanation.
public enum SimulationMethod: String, Codable, Sendable, CaseIterable {
  /// One scoring pass per excerpt; needs prompt log-probabilities.
  case allAtOnce = "all-at-once"
  /// One one-token request per token; needs top log-probabilities of generated tokens.
  case tokenByToken = "token-by-token"
  /// The model writes every value; any chat backend.
  case generate
  /// No language model: the token baseline's table (only for the baseline explanation).
  case tokenBaseline = "token-baseline"

  /// The best method a backend offers: all at once where it gives prompt log-probabilities,
  /// token by token where generated tokens come with enough alternatives, else generation.
  public static func best(for c: BackendCapabilities) -> SimulationMethod {
    if c.promptLogprobs { return .allAtOnce }
    if c.generatedTopLogprobs >= SimulationPrompt.values.count && c.continuesFinalMessage { return .tokenByToken }
    return .generate
  }
}

/// The simulated activations of one excerpt, on the simulator's 0-9 scale. A failed excerpt has
/// no values and says why; it is counted, never read as zeros.
public struct SequenceSimulation: Hashable, Codable, Sendable {
  public var expected: [Double]?
  /// Per token, the values the distribution covers and their probabilities.
  public var distributionValues: [[Int]]
  public var distributionProbabilities: [[Double]]
  public var failure: String?
  public var usage: Usage
  public var requests: Int

  public init(
    expected: [Double]?, distributionValues: [[Int]] = [], distributionProbabilities: [[Double]] = [], failure: String? = nil,
    usage: Usage = Usage(), requests: Int = 0
  ) {
    self.expected = expected
    self.distributionValues = distributionValues
    self.distributionProbabilities = distributionProbabilities
    self.failure = failure
    self.usage = usage
    self.requests = requests
  }

  static func failed(_ why: String, usage: Usage = Usage(), requests: Int = 0) -> SequenceSimulation {
    SequenceSimulation(expected: nil, failure: why, usage: usage, requests: requests)
  }
}

/// Simulates a neuron from an explanation with a backend and a method.
public struct Simulator: Sendable {
  public let backend: LLMBackend
  public let method: SimulationMethod
  /// Alternatives asked for at each value slot (servers cap it; 15 as in the paper).
  public var topLogprobs = 15

  public init(backend: LLMBackend, method: SimulationMethod) {
    self.backend = backend
    self.method = method
  }

  /// The simulation of one excerpt. Throws only when the backend fails after its retries; an
  /// answer that cannot be read is a failed simulation.
  public func simulate(explanation: String, tokens: [String]) throws -> SequenceSimulation {
    guard !tokens.isEmpty else { return SequenceSimulation(expected: []) }
    switch method {
    case .allAtOnce: return try allAtOnce(explanation, tokens)
    case .tokenByToken: return try tokenByToken(explanation, tokens)
    case .generate: return try generated(explanation, tokens)
    case .tokenBaseline:
      throw LLMError.configuration("the token-baseline simulator needs the neuron's records, not a backend")
    }
  }

  /// The simulations of several excerpts from one explanation: all at once, the backend scores
  /// them together (`promptBatch` at a time); other methods go one excerpt after another.
  public func simulate(explanation: String, excerpts: [[String]]) throws -> [SequenceSimulation] {
    guard method == .allAtOnce else { return try excerpts.map { try simulate(explanation: explanation, tokens: $0) } }
    var out = [SequenceSimulation?](repeating: nil, count: excerpts.count)
    let asked = excerpts.indices.filter { !excerpts[$0].isEmpty }
    for i in excerpts.indices where excerpts[i].isEmpty { out[i] = SequenceSimulation(expected: []) }
    let width = max(1, backend.promptBatch)
    for start in stride(from: 0, to: asked.count, by: width) {
      let group = Array(asked[start..<min(asked.count, start + width)])
      let scored = try backend.scorePrompts(group.map { allAtOnceRequest(explanation, excerpts[$0]) })
      for (i, answer) in zip(group, scored) { out[i] = Self.readAllAtOnce(answer, tokens: excerpts[i]) }
    }
    return out.map { $0! }
  }

  private func allAtOnceRequest(_ explanation: String, _ tokens: [String]) -> PromptScoringRequest {
    PromptScoringRequest(
      prompt: ChatPrompt(SimulationPrompt.allAtOnce(explanation: explanation, tokens: tokens), continueFinal: true),
      topLogprobs: topLogprobs, scoreFrom: SimulationPrompt.recordStart, onlyAfter: "\t", candidates: SimulationPrompt.values)
  }

  private func allAtOnce(_ explanation: String, _ tokens: [String]) throws -> SequenceSimulation {
    Self.readAllAtOnce(try backend.scorePrompt(allAtOnceRequest(explanation, tokens)), tokens: tokens)
  }

  /// The expected value at each value slot of a scored all-at-once prompt.
  static func readAllAtOnce(_ scored: PromptScoring, tokens: [String]) -> SequenceSimulation {
    let slots = Self.valueSlots(in: scored.tokens.map(\.token))
    guard slots.count == tokens.count else {
      return .failed(
        "the scored prompt has \(slots.count) value slots for \(tokens.count) tokens (the backend's tokens do not split \"<tab>unknown\" as expected)",
        usage: scored.usage, requests: 1)
    }
    var result = SequenceSimulation(expected: [], usage: scored.usage, requests: 1)
    for (j, slot) in slots.enumerated() {
      let top = scored.tokens[slot].top
      guard let ev = SimulationPrompt.expectedValue(logProbabilities: top.map { ($0.token, $0.logprob) }) else {
        return .failed(
          "no value among the top \(top.count) tokens for token \(j) (\(tokens[j].debugDescription))", usage: scored.usage, requests: 1)
      }
      result.append(ev)
    }
    return result
  }

  private func tokenByToken(_ explanation: String, _ tokens: [String]) throws -> SequenceSimulation {
    var result = SequenceSimulation(expected: [])
    for j in tokens.indices {
      let prompt = ChatPrompt(SimulationPrompt.tokenByToken(explanation: explanation, tokens: tokens, upTo: j), continueFinal: true)
      let answer = try backend.generate(
        GenerationRequest(
          prompt: prompt, sampling: Sampling(temperature: 0, maxTokens: 1), topLogprobs: topLogprobs, candidates: SimulationPrompt.values))
      result.usage.promptTokens += answer.usage.promptTokens
      result.usage.completionTokens += answer.usage.completionTokens
      result.requests += 1
      guard let top = answer.tokens?.first?.top, !top.isEmpty else {
        return .failed("the backend returned no log-probabilities for token \(j)", usage: result.usage, requests: result.requests)
      }
      guard let ev = SimulationPrompt.expectedValue(logProbabilities: top.map { ($0.token, $0.logprob) }) else {
        return .failed(
          "no value among the top \(top.count) tokens for token \(j) (\(tokens[j].debugDescription))", usage: result.usage,
          requests: result.requests)
      }
      result.append(ev)
    }
    return result
  }

  private func generated(_ explanation: String, _ tokens: [String]) throws -> SequenceSimulation {
    let prompt = ChatPrompt(SimulationPrompt.generation(explanation: explanation, tokens: tokens))
    // Each line is the token, a tab, a digit and a newline: a few tokens per line, with room.
    let answer = try backend.generate(
      GenerationRequest(prompt: prompt, sampling: Sampling(temperature: 0, maxTokens: 8 * tokens.count + 32)))
    guard let values = SimulationPrompt.parseGenerated(answer.text, tokens: tokens) else {
      let lines = answer.text.split(whereSeparator: \.isNewline).filter { $0.contains("\t") }.count
      return .failed("the reply has \(lines) token lines for \(tokens.count) tokens", usage: answer.usage, requests: 1)
    }
    return SequenceSimulation(
      expected: values, distributionValues: values.map { [Int($0)] }, distributionProbabilities: values.map { _ in [1] },
      usage: answer.usage, requests: 1)
  }

  /// Positions of value slots after the last record start: a token that begins "unknown" (or is
  /// the first piece of it) right after a token ending in a tab.
  static func valueSlots(in tokens: [String]) -> [Int] {
    // The marker may span several tokens ("<", "start", ">"): find where it ends in the joined text.
    let joined = tokens.joined()
    guard let marker = joined.range(of: SimulationPrompt.recordStart, options: .backwards) else { return [] }
    let markerEnd = joined.utf8.distance(from: joined.startIndex, to: marker.upperBound)
    var start = tokens.count - 1
    var end = 0
    for (i, t) in tokens.enumerated() {
      end += t.utf8.count
      if end >= markerEnd {
        start = i
        break
      }
    }
    var slots: [Int] = []
    var i = start + 1
    while i < tokens.count {
      let t = tokens[i]
      if tokens[i - 1].hasSuffix("\t") && !t.isEmpty && (t.hasPrefix("unknown") || "unknown".hasPrefix(t)) { slots.append(i) }
      i += 1
    }
    return slots
  }
}

extension SequenceSimulation {
  mutating func append(_ ev: (value: Double, distribution: [Int: Double])) {
    expected?.append(ev.value)
    let values = ev.distribution.keys.sorted()
    distributionValues.append(values)
    distributionProbabilities.append(values.map { ev.distribution[$0]! })
  }
}
