import Foundation
import NxpInterp

/// Which model answers, as far as it changes answers: the kind of backend, its model and, for a
/// server, its base URL. Part of every request's cache key. Never holds a secret.
public struct BackendIdentity: Hashable, Codable, Sendable, CustomStringConvertible {
  /// "local", "openai" or "baseline".
  public var kind: String
  /// The model's name (a GGUF's file name and content hash for local models).
  public var model: String
  /// Server address, without credentials; nil for in-process backends.
  public var baseURL: String?

  public init(kind: String, model: String, baseURL: String? = nil) {
    self.kind = kind
    self.model = model
    self.baseURL = baseURL
  }

  /// `openai:gpt-4o-mini@http://127.0.0.1:8080/v1`, `local:smollm2-135m`, `baseline`.
  public var description: String {
    if kind == "baseline" { return kind }
    return "\(kind):\(model)" + (baseURL.map { "@\($0)" } ?? "")
  }
}

/// How tokens are drawn. Part of every request's cache key.
public struct Sampling: Hashable, Codable, Sendable {
  /// 0 is greedy.
  public var temperature: Double
  public var topP: Double
  public var maxTokens: Int
  /// Sent to servers that take one; the local engine's sampler uses it.
  public var seed: UInt64

  public init(temperature: Double = 0, topP: Double = 1, maxTokens: Int = 64, seed: UInt64 = 0) {
    self.temperature = temperature
    self.topP = topP
    self.maxTokens = maxTokens
    self.seed = seed
  }
}

/// One candidate token and its log-probability.
public struct TokenLogprob: Hashable, Codable, Sendable {
  public var token: String
  public var logprob: Double

  public init(_ token: String, _ logprob: Double) {
    self.token = token
    self.logprob = logprob
  }
}

/// A chat prompt. With `continueFinal` the last message (an assistant turn) is left open, so the
/// model continues it or, for prompt log-probabilities, scores it.
public struct ChatPrompt: Hashable, Codable, Sendable {
  public var messages: [ChatMessage]
  public var continueFinal: Bool

  public init(_ messages: [ChatMessage], continueFinal: Bool = false) {
    self.messages = messages
    self.continueFinal = continueFinal
  }
}

/// Ask the model to write. `topLogprobs` > 0 asks for that many alternatives of each generated
/// token (the token-by-token simulator reads them).
public struct GenerationRequest: Hashable, Codable, Sendable {
  public var prompt: ChatPrompt
  public var sampling: Sampling
  public var topLogprobs: Int
  /// Tokens whose log-probabilities are wanted beside the top list wherever the backend can give
  /// them (the local engine can; servers give their top list only).
  public var candidates: [String]

  public init(prompt: ChatPrompt, sampling: Sampling = Sampling(), topLogprobs: Int = 0, candidates: [String] = []) {
    self.prompt = prompt
    self.sampling = sampling
    self.topLogprobs = topLogprobs
    self.candidates = candidates
  }
}

/// One generated token with its log-probability and the top alternatives at its position.
public struct GeneratedToken: Hashable, Codable, Sendable {
  public var token: String
  public var logprob: Double?
  public var top: [TokenLogprob]

  public init(token: String, logprob: Double?, top: [TokenLogprob]) {
    self.token = token
    self.logprob = logprob
    self.top = top
  }
}

/// Tokens a request cost.
public struct Usage: Hashable, Codable, Sendable {
  public var promptTokens: Int
  public var completionTokens: Int

  public init(promptTokens: Int = 0, completionTokens: Int = 0) {
    self.promptTokens = promptTokens
    self.completionTokens = completionTokens
  }
}

/// What the model wrote.
public struct Completion: Hashable, Codable, Sendable {
  public var text: String
  /// Present when top log-probabilities were asked for and the backend gives them.
  public var tokens: [GeneratedToken]?
  public var usage: Usage

  public init(text: String, tokens: [GeneratedToken]? = nil, usage: Usage = Usage()) {
    self.text = text
    self.tokens = tokens
    self.usage = usage
  }
}

/// Ask for the log-probabilities the model puts on a prompt's own tokens (one forward pass, no
/// generation): the all-at-once simulator's request.
public struct PromptScoringRequest: Hashable, Codable, Sendable {
  public var prompt: ChatPrompt
  /// Alternatives wanted at each position.
  public var topLogprobs: Int
  /// Distributions are needed from the last occurrence of this text on (nil: everywhere); a
  /// backend may leave earlier positions without one.
  public var scoreFrom: String?
  /// Distributions are needed only for tokens right after a token ending in this text (nil:
  /// every token); a backend may leave the others without one.
  public var onlyAfter: String?
  /// Tokens whose log-probabilities are wanted beside the top list wherever the backend can give
  /// them (the local engine can; servers give their top list only).
  public var candidates: [String]

  public init(
    prompt: ChatPrompt, topLogprobs: Int = 15, scoreFrom: String? = nil, onlyAfter: String? = nil, candidates: [String] = []
  ) {
    self.prompt = prompt
    self.topLogprobs = topLogprobs
    self.scoreFrom = scoreFrom
    self.onlyAfter = onlyAfter
    self.candidates = candidates
  }
}

/// One prompt token and the distribution the model put on that position before seeing it.
public struct ScoredToken: Hashable, Codable, Sendable {
  public var token: String
  /// The top alternatives for this position; empty for the first token (nothing predicts it).
  public var top: [TokenLogprob]

  public init(token: String, top: [TokenLogprob]) {
    self.token = token
    self.top = top
  }
}

/// The prompt's tokens in order, each with the distribution that predicted it.
public struct PromptScoring: Hashable, Codable, Sendable {
  public var tokens: [ScoredToken]
  public var usage: Usage

  public init(tokens: [ScoredToken], usage: Usage = Usage()) {
    self.tokens = tokens
    self.usage = usage
  }
}

/// What a backend can do, which decides the simulation method.
public struct BackendCapabilities: Hashable, Codable, Sendable {
  /// Log-probabilities of prompt tokens (all-at-once simulation).
  public var promptLogprobs: Bool
  /// How many alternatives a generated token can come with (0: none; token-by-token needs them).
  public var generatedTopLogprobs: Int
  /// Whether a final assistant message can be continued rather than answered.
  public var continuesFinalMessage: Bool

  public init(promptLogprobs: Bool, generatedTopLogprobs: Int, continuesFinalMessage: Bool) {
    self.promptLogprobs = promptLogprobs
    self.generatedTopLogprobs = generatedTopLogprobs
    self.continuesFinalMessage = continuesFinalMessage
  }
}
