import Foundation
import NxpCore
import NxpInterp

/// One explanation drawn from the explainer: the text, or why there is none.
public struct ExplanationSample: Hashable, Codable, Sendable {
  public var text: String?
  /// The model's reply as written (for a failure, what could not be read).
  public var reply: String
  public var usage: Usage

  public init(text: String?, reply: String, usage: Usage = Usage()) {
    self.text = text
    self.reply = reply
    self.usage = usage
  }
}

/// Asks a backend to explain a neuron from its records (`ExplanationPrompt`).
public struct Explainer: Sendable {
  public let backend: LLMBackend
  /// The paper draws explanations at temperature 1 and keeps the best; one explanation is drawn
  /// greedily unless a temperature is given.
  public var temperature: Double?
  public var topP: Double = 1
  public var maxTokens = 60

  public init(backend: LLMBackend, temperature: Double? = nil) {
    self.backend = backend
    self.temperature = temperature
  }

  /// `samples` explanations (sample i is drawn with seed i, so each is reproducible).
  public func explain(records: [ActivationRecord], samples: Int) throws -> [ExplanationSample] {
    let prefill = try backend.capabilities().continuesFinalMessage
    let prompt = ChatPrompt(ExplanationPrompt.messages(for: records, prefill: prefill), continueFinal: prefill)
    let t = temperature ?? (samples > 1 ? 1 : 0)
    return try (0..<samples).map { i in
      let answer = try backend.generate(
        GenerationRequest(prompt: prompt, sampling: Sampling(temperature: t, topP: topP, maxTokens: maxTokens, seed: UInt64(i))))
      return ExplanationSample(text: ExplanationPrompt.explanation(fromReply: answer.text), reply: answer.text, usage: answer.usage)
    }
  }
}
