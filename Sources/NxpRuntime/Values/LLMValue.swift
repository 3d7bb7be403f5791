import Foundation
import NxpCore
import NxpLLM

/// Which language model explains and simulates, and how: what `llm(...)` returns and what a
/// `by:` string such as "local:smollm2-135m", "openai:gpt-4o-mini" or "baseline" means. Every
/// field changes answers, so the whole spec joins cache keys; the API key is not a field: it is
/// read from OPENAI_API_KEY when a request is sent.
public struct LLMSpec: Hashable, Codable, Sendable, CustomStringConvertible {
  public static let kinds = ["local", "openai", "baseline"]
  /// The local backend's model when none is named.
  public static let defaultLocalModel = "smollm2-135m"

  public var kind: String
  /// local: an installed name or a model file; openai: the model id.
  public var model: String?
  public var baseURL: String?
  public var temperature: Double?
  public var topP: Double?
  public var maxTokens: Int?
  /// Requests in flight at once (servers only).
  public var concurrency: Int?
  public var prices: Prices?
  /// How a server's completions endpoint is given a chat ("chatml" or "llama3"); without one only
  /// chat requests are sent.
  public var template: String?
  public var timeout: Double?
  public var retries: Int?

  public init(kind: String, model: String? = nil) {
    self.kind = kind
    self.model = model
  }

  /// `local`, `local:NAME`, `openai:MODEL`, `baseline`.
  public static func parse(_ text: String) throws -> LLMSpec {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    guard let kind = parts.first, kinds.contains(kind) else {
      throw UserError(
        "unknown backend \"\(text)\": write \"local\" or \"local:MODEL\", \"openai:MODEL\", or \"baseline\" (or build one with llm(...))")
    }
    if kind == "baseline" && parts.count > 1 { throw UserError("the baseline backend takes no model: write \"baseline\"") }
    return LLMSpec(kind: kind, model: parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil)
  }

  /// The spec with what the environment decides filled in, so it can join a cache key:
  /// OPENAI_BASE_URL and OPENAI_MODEL for servers, the default model for the local engine.
  public func resolved(_ environment: [String: String]) throws -> LLMSpec {
    var s = self
    switch kind {
    case "local":
      if s.model == nil { s.model = LLMSpec.defaultLocalModel }
    case "openai":
      if s.baseURL == nil { s.baseURL = environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.openai.com/v1" }
      if s.model == nil { s.model = environment["OPENAI_MODEL"].flatMap { $0.isEmpty ? nil : $0 } }
      guard s.model != nil else {
        throw UserError("the openai backend needs a model: write \"openai:MODEL\", llm(\"openai\", model: ...) or set OPENAI_MODEL")
      }
      while s.baseURL?.hasSuffix("/") == true { s.baseURL?.removeLast() }
    default: break
    }
    return s
  }

  /// What of this resolved spec the environment decided, for a cache key: a server's address and
  /// model when the script named only the backend kind. Never the API key.
  public var environmentKey: [String: String] { kind == "openai" ? ["backend": description] : [:] }

  /// `local:smollm2-135m`, `openai:gpt-4o-mini@http://127.0.0.1:8080/v1`, `baseline`.
  public var description: String {
    if kind == "baseline" { return kind }
    return "\(kind):\(model ?? "?")" + (kind == "openai" ? "@\(baseURL ?? "?")" : "")
  }

  /// The fields as a canonical string for keys (sorted JSON).
  var canonicalJSON: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
  }
}

/// A language model backend as a value of the language (`llm(...)`).
public final class LLMValue: RuntimeObject {
  public let spec: LLMSpec
  public init(spec: LLMSpec) { self.spec = spec }
  public static let typeName = "LLM"
  public var summary: String {
    var parts = ["LLM \(spec)"]
    if let t = spec.temperature { parts.append("temperature \(t)") }
    if let c = spec.concurrency { parts.append("\(c) in flight") }
    return parts.joined(separator: ", ")
  }
}

extension LLMValue: JSONCacheable {
  public static let typeTag = "llm"
  public var payload: LLMSpec { spec }
  public convenience init(payload: LLMSpec) { self.init(spec: payload) }
}

extension ValueType {
  public static var llm: ValueType { .object(ObjectType(LLMValue.self)) }
  /// What `by:` accepts: a backend string or an `llm(...)` value.
  public static var backend: ValueType { .oneOf([.string, .llm]) }
}
