import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// `explain(top, by: "local", samples: 1)`: an explanation of each neuron from its train records.
final class ExplainOp: Primitive {
  let name = "explain"
  /// The prompt's version: a new prompt text gives new explanations.
  var version: Int { ExplanationPrompt.version }
  var params: [Param] {
    [
      Param("neurons", .neuronSet, positional: true, doc: "neurons with their records (topk, neurons)"),
      Param("by", .backend, default: .string("local"), doc: "the explainer: \"local\", \"openai:MODEL\", \"baseline\" or llm(...)"),
      Param("samples", .int, default: .int(1), doc: "explanations drawn per neuron (best-of-n: score keeps the best)"),
    ]
  }
  let summary = "one-sentence explanations of neurons from their top-activating excerpts, by a language model or the token baseline"
  let example = "expl = explain(top, by: \"local\", samples: 1)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .explanations }
  func environmentKey(_ args: Arguments, _ ctx: PlanContext) throws -> [String: String] { try Backends.environmentKey(args, ctx) }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let set = try args.object("neurons", NeuronSet.self)
    let samples = try args.positiveInt("samples")
    guard samples <= 100 else { throw UserError("explain: `samples:` of \(samples) is more than 100") }
    let spec = try Backends.spec(args["by"], ctx.plan)
    guard let session = try Backends.make(spec, ctx) else {
      // The baseline needs no model: its explanation names the tokens with the highest mean.
      let entries = set.neurons.indices.map { i -> ExplanationEntry in
        let s = set.splits(at: i)
        let text = s.tokenBaseline.explanation
        return ExplanationEntry(
          layer: s.id.layer, neuron: s.id.index, sample: 0, text: text, reply: text, source: "baseline", promptTokens: 0,
          completionTokens: 0)
      }
      return .object(Explanations(entries: entries))
    }
    let backend = session.backend
    let before = session.ledger.snapshot
    var configured = Explainer(backend: backend, temperature: spec.temperature)
    if let p = spec.topP { configured.topP = p }
    if let m = spec.maxTokens { configured.maxTokens = m }
    let explainer = configured
    let progress = ctx.reporter.progress("explain", total: set.neurons.count, unit: "neurons")
    defer { progress.finish() }
    let source = backend.identity.description
    let results = try ParallelJobs.map(count: set.neurons.count, width: backend.concurrency) { i in
      let s = set.splits(at: i)
      let drawn = try RequestLabel.with("explain \(s.id)") { try explainer.explain(records: s.train, samples: samples) }
      progress.advance(by: 1)
      return drawn.enumerated().map { j, d in
        ExplanationEntry(
          layer: s.id.layer, neuron: s.id.index, sample: j, text: d.text, reply: d.reply, source: source,
          promptTokens: d.usage.promptTokens, completionTokens: d.usage.completionTokens)
      }
    }
    let totals = session.ledger.snapshot - before
    ctx.reporter.note("explain: \(source): \(totals.summary)")
    return .object(Explanations(entries: results.flatMap { $0 }, ledger: totals))
  }
}

/// `explanation(6:123, "years written as four-digit numbers")`: a person's explanations, simulated
/// and scored like generated ones.
final class ExplanationOp: Primitive {
  let name = "explanation"
  let version = 1
  var params: [Param] {
    [
      Param("neurons", .oneOf([.neuron, .list(.neuron)]), positional: true, doc: "the neuron, or a list of neurons"),
      Param(
        "text", .oneOf([.string, .list(.string)]), positional: true,
        doc: "what each neuron does, completing \"the main thing this neuron does is find\""),
    ]
  }
  let summary = "explanations written by a person, to simulate and score like generated ones"
  let example = "mine = explanation(6:123, \"years written as four-digit numbers\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .explanations }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let ids: [NeuronID]
    switch args["neurons"] {
    case .neuron(let n): ids = [n]
    case .list(let items):
      ids = try items.map { v in
        guard case .neuron(let n) = v else { throw UserError("explanation: expected neurons") }; return n
      }
    default: throw UserError("explanation: the first argument should be a neuron such as 6:123 or a list of them")
    }
    let texts = try args.strings("text")
    guard ids.count == texts.count else {
      throw UserError(
        "explanation: \(ids.count) neuron\(ids.count == 1 ? "" : "s") but \(texts.count) text\(texts.count == 1 ? "" : "s"); give one text per neuron"
      )
    }
    var entries: [ExplanationEntry] = []
    for (id, raw) in zip(ids, texts) {
      var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      while text.hasSuffix(".") { text.removeLast() }
      guard !text.isEmpty else { throw UserError("explanation: the text for \(id) is empty") }
      entries.append(
        ExplanationEntry(
          layer: id.layer, neuron: id.index, sample: 0, text: text, reply: raw, source: "person", promptTokens: 0, completionTokens: 0))
    }
    return .object(Explanations(entries: entries))
  }
}
