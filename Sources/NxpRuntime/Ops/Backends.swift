import Foundation
import NxpCore
import NxpLLM
import NxpModels

/// A backend as the session keeps it: answers through the request cache, costs in one ledger.
final class SessionBackend {
  let backend: CachingBackend
  let ledger: Ledger
  init(backend: CachingBackend, ledger: Ledger) {
    self.backend = backend
    self.ledger = ledger
  }
}

/// Turns a `by:` argument into a backend, made once per session and shared by every primitive.
enum Backends {
  /// The spec a `by:` argument names (a string or an `llm(...)` value), resolved against the
  /// environment.
  static func spec(_ value: Value, _ plan: PlanContext) throws -> LLMSpec {
    if let s = value.string { return try LLMSpec.parse(s).resolved(plan.environment.variables) }
    if let v = value.object(LLMValue.self) { return try v.spec.resolved(plan.environment.variables) }
    throw UserError("`by:` should be a backend such as \"local\", \"openai:gpt-4o-mini\" or \"baseline\", or an llm(...) value")
  }

  /// What a `by:` string leaves to the environment, for the cache key (a `by:` computed by
  /// `llm(...)` carries it in that node's key).
  static func environmentKey(_ args: Arguments, _ plan: PlanContext) throws -> [String: String] {
    guard let s = args["by"].string else { return [:] }
    return try LLMSpec.parse(s).resolved(plan.environment.variables).environmentKey
  }

  /// The session's backend for `spec` (nil for the baseline, which needs no model).
  static func make(_ spec: LLMSpec, _ ctx: RunContext) throws -> SessionBackend? {
    guard spec.kind != "baseline" else { return nil }
    return try ctx.services.service("backend:" + spec.canonicalJSON) {
      let ledger = Ledger(prices: spec.prices)
      let base: LLMBackend
      switch spec.kind {
      case "local": base = try local(spec, ctx)
      case "openai": base = try openAI(spec, ctx, ledger: ledger)
      default: throw UserError("unknown backend kind \(spec.kind)")
      }
      return SessionBackend(backend: CachingBackend(base, store: ctx.requestStore, ledger: ledger), ledger: ledger)
    }
  }

  private static func local(_ spec: LLMSpec, _ ctx: RunContext) throws -> LocalBackend {
    let name = spec.model ?? LLMSpec.defaultLocalModel
    let location = try LoadOp.location(name, ctx.plan)
    let files = try ModelRegistry.files(of: location)
    let hash = try files.map { try ContentHash.hexOfFile(atPath: $0) }.joined().prefix(16)
    let model = try ctx.models.model(key: "llm-model:\(files.joined(separator: "|"))") {
      let m = try ModelRegistry.load(location)
      if let threads = ctx.settings.threads { m.threads = threads }
      return m
    }
    let display = ModelRegistry.aliases[name.lowercased()] != nil ? name.lowercased() : (name as NSString).lastPathComponent
    return try LocalBackend(model: model, template: try LocalBackend.chatTemplate(of: location), identityModel: "\(display)#\(hash)")
  }

  /// A server backend; the API key comes from OPENAI_API_KEY, used only for the request header.
  private static func openAI(_ spec: LLMSpec, _ ctx: RunContext, ledger: Ledger) throws -> OpenAIBackend {
    guard let url = spec.baseURL, let model = spec.model else { throw InternalError("unresolved openai spec") }
    let template: ChatTemplate? =
      switch spec.template {
      case "chatml": ChatTemplate(family: .chatML)
      case "llama3": ChatTemplate(family: .llama3)
      default: nil
      }
    var retry = RetryPolicy()
    if let r = spec.retries { retry.maxRetries = r }
    let configuration = OpenAIBackend.Configuration(
      baseURL: url, model: model, timeout: spec.timeout ?? 120, retry: retry, concurrency: spec.concurrency ?? 4, template: template)
    return try OpenAIBackend(configuration, apiKey: ctx.plan.environment.variables["OPENAI_API_KEY"], ledger: ledger)
  }
}
