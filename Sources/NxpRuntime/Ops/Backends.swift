import Foundation
import NxpCore
import NxpLLM
import NxpModels

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
    let spec = try LLMSpec.parse(s).resolved(plan.environment.variables)
    return spec.kind == "openai" ? ["backend": spec.description] : [:]
  }

  /// The backend of `spec` (nil for the baseline, which needs no model), with the session's
  /// request cache and a ledger for this call.
  static func make(_ spec: LLMSpec, _ ctx: RunContext, ledger: Ledger) throws -> CachingBackend? {
    let base: LLMBackend
    switch spec.kind {
    case "baseline": return nil
    case "local": base = try local(spec, ctx)
    case "openai": base = try OpenAIBackends.make(spec, ctx, ledger: ledger)
    default: throw UserError("unknown backend kind \(spec.kind)")
    }
    return CachingBackend(base, store: ctx.requestStore, ledger: ledger)
  }

  private static func local(_ spec: LLMSpec, _ ctx: RunContext) throws -> LocalBackend {
    let name = spec.model ?? LLMSpec.defaultLocalModel
    let location = try LoadOp.location(name, ctx.plan)
    return try ctx.services.service("llm:" + spec.canonicalJSON) {
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
  }
}
