import Foundation
import NxpCore
import NxpLLM

/// `llm("openai", model: "gpt-4o-mini", temperature: 1, concurrency: 8)`: a backend with its
/// details, for `by:` of explain and simulate.
final class LLMOp: Primitive {
  let name = "llm"
  let version = 1
  let persists = false
  var params: [Param] {
    [
      Param("kind", .string, positional: true, doc: "\"local\", \"openai\" or \"baseline\""),
      Param("model", .oneOf([.string, .null]), default: .null, doc: "local: an installed name or model file; openai: the model id"),
      Param("baseURL", .oneOf([.string, .null]), default: .null, doc: "server address (default OPENAI_BASE_URL, else OpenAI's)"),
      Param("temperature", .oneOf([.number, .null]), default: .null, doc: "explainer temperature (default 0, or 1 when sampling several)"),
      Param("topP", .oneOf([.number, .null]), default: .null, doc: "nucleus sampling"),
      Param("maxTokens", .oneOf([.int, .null]), default: .null, doc: "longest explanation in tokens (default 60)"),
      Param("concurrency", .oneOf([.int, .null]), default: .null, doc: "requests in flight at once (servers; default 4)"),
      Param(
        "prices", .oneOf([.record, .null]), default: .null, doc: "{input: $ per million tokens, output: $ per million} for the ledger"),
      Param(
        "template", .oneOf([.string, .null]), default: .null,
        doc: "\"chatml\" or \"llama3\": lets a server's completions endpoint continue a chat"),
      Param("timeout", .oneOf([.number, .null]), default: .null, doc: "seconds before a request is retried (default 120)"),
      Param("retries", .oneOf([.int, .null]), default: .null, doc: "retries after a failure (default 4)"),
    ]
  }
  let summary = "a language-model backend for explain and simulate: the local engine, an OpenAI-compatible server, or the baseline"
  let example = "gpt = llm(\"openai\", model: \"gpt-4o-mini\", concurrency: 8, prices: {input: 0.15, output: 0.6})"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .llm }

  func environmentKey(_ args: Arguments, _ ctx: PlanContext) throws -> [String: String] {
    try LLMOp.spec(args).resolved(ctx.environment.variables).environmentKey
  }

  static func spec(_ args: Arguments) throws -> LLMSpec {
    var spec = try LLMSpec.parse(try args.string("kind"))
    if let m = try args.optionalString("model") {
      guard spec.kind != "baseline" else { throw UserError("llm: the baseline backend takes no model") }
      spec.model = m
    }
    spec.baseURL = try args.optionalString("baseURL")
    if let t = args["temperature"].double {
      guard t >= 0 && t <= 2 else { throw UserError("llm: `temperature:` must be between 0 and 2, got \(t)") }
      spec.temperature = t
    }
    if let p = args["topP"].double {
      guard p > 0 && p <= 1 else { throw UserError("llm: `topP:` must be in (0, 1], got \(p)") }
      spec.topP = p
    }
    if !args["maxTokens"].isNone { spec.maxTokens = try args.positiveInt("maxTokens") }
    if !args["concurrency"].isNone {
      let c = try args.positiveInt("concurrency")
      guard c <= 256 else { throw UserError("llm: `concurrency:` of \(c) is more than 256") }
      spec.concurrency = c
    }
    if case .record(let fields) = args["prices"] {
      let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
      guard let i = f["input"]?.double, let o = f["output"]?.double, i >= 0, o >= 0, Set(f.keys) == ["input", "output"] else {
        throw UserError("llm: `prices:` should be {input: N, output: N}, dollars per million tokens")
      }
      spec.prices = Prices(inputPerMillion: i, outputPerMillion: o)
    }
    if let t = try args.optionalString("template") {
      guard ["chatml", "llama3"].contains(t) else { throw UserError("llm: `template:` should be \"chatml\" or \"llama3\", got \"\(t)\"") }
      spec.template = t
    }
    if let t = args["timeout"].double {
      guard t > 0 && t <= 3600 else { throw UserError("llm: `timeout:` must be between 0 and 3600 seconds, got \(t)") }
      spec.timeout = t
    }
    if !args["retries"].isNone {
      let r = try args.nonNegativeInt("retries")
      guard r <= 20 else { throw UserError("llm: `retries:` of \(r) is more than 20") }
      spec.retries = r
    }
    return spec
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    .object(LLMValue(spec: try LLMOp.spec(args).resolved(ctx.plan.environment.variables)))
  }
}
