import Foundation
import NxpCore

/// A language model that explains and simulates: the local engine, an OpenAI-compatible server,
/// or the deterministic baseline. Implementations are safe to call from several threads; a
/// server backend keeps up to `concurrency` requests in flight.
public protocol LLMBackend: AnyObject, Sendable {
  var identity: BackendIdentity { get }
  /// Requests worth sending at once.
  var concurrency: Int { get }
  /// What the backend offers (a server is asked once, on first use).
  func capabilities() throws -> BackendCapabilities
  /// Writes a reply to the prompt.
  func generate(_ request: GenerationRequest) throws -> Completion
  /// The log-probabilities of the prompt's own tokens. Throws `LLMError.unsupported` where the
  /// backend has none.
  func scorePrompt(_ request: PromptScoringRequest) throws -> PromptScoring
  /// Several prompts' log-probabilities; a backend that computes them together (one batch over
  /// their shared prefix) says how many are worth giving at once in `promptBatch`.
  func scorePrompts(_ requests: [PromptScoringRequest]) throws -> [PromptScoring]
  /// Prompts worth scoring in one `scorePrompts` call (1: one at a time is as fast).
  var promptBatch: Int { get }
}

extension LLMBackend {
  public func scorePrompts(_ requests: [PromptScoringRequest]) throws -> [PromptScoring] { try requests.map(scorePrompt) }
  public var promptBatch: Int { 1 }
}

/// Why a request to a language model failed, in words a user can act on. Messages never hold an
/// API key: a server's answer is quoted only after `Redaction` has removed it.
public enum LLMError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The backend cannot do this at all (prompt log-probabilities from a chat-only server).
  case unsupported(backend: String, what: String)
  /// The request failed after every retry.
  case requestFailed(backend: String, request: String, attempts: Int, reason: String)
  /// The answer arrived but could not be read.
  case malformedAnswer(backend: String, request: String, detail: String)
  /// A setting is wrong (no model, a bad URL, no API key where one is needed).
  case configuration(String)

  public var description: String {
    switch self {
    case .unsupported(let backend, let what): return "\(backend) cannot \(what)"
    case .requestFailed(let backend, let request, let attempts, let reason):
      return "\(request) to \(backend) failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
    case .malformedAnswer(let backend, let request, let detail):
      return "\(backend) gave an answer to \(request) that cannot be read: \(detail)"
    case .configuration(let message): return message
    }
  }
}

extension LLMError: LocalizedError {
  public var errorDescription: String? { description }
}
