import Foundation
import NxpCore
import NxpModels

/// `load("smollm2-135m")`, `load("models/gpt2.gguf")`, `load("hf/gpt2")`.
final class LoadOp: Primitive {
  let name = "load"
  let version = 1
  let persists = false
  var params: [Param] {
    [
      Param(
        "model", .string, positional: true,
        doc: "an installed model's name (smollm2-135m), a .gguf file, or a Hugging Face folder (config.json + safetensors)")
    ]
  }
  let summary = "a subject model (llama, qwen2 or gpt2) from a name, a GGUF file or a Hugging Face folder; weights load on first use"
  let example = "model = load(\"smollm2-135m\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .model }

  /// Aliases are looked up in the models folder; anything else is a path from the script's folder.
  static func location(_ spec: String, _ ctx: PlanContext) throws -> ModelLocation {
    let env = ctx.environment.variables
    if ModelRegistry.aliases[spec.lowercased()] != nil { return try ModelRegistry.resolve(spec, environment: env) }
    return try ModelRegistry.resolve(ctx.resolve(spec), environment: env)
  }

  let fileParams = ["model"]
  func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String] {
    try ModelRegistry.files(of: try LoadOp.location(try args.string("model"), ctx))
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let spec = try args.string("model")
    let location = try LoadOp.location(spec, ctx.plan)
    let name = ModelRegistry.aliases[spec.lowercased()] != nil ? spec.lowercased() : (spec as NSString).lastPathComponent
    return .object(
      ModelValue(
        name: name, location: location, files: try ModelRegistry.files(of: location),
        configuration: try ModelValue.configuration(of: location),
        pool: ctx.models, poolKey: ctx.key))
  }
}

/// `tokens(model, "Hello world")`: how the model's tokenizer splits a text.
final class TokensOp: Primitive {
  let name = "tokens"
  let version = 1
  var params: [Param] {
    [
      Param("model", .model, positional: true, doc: "the model whose tokenizer to use"),
      Param("text", .string, positional: true, doc: "the text"),
    ]
  }
  let summary = "the token ids and strings a model's tokenizer makes of a text"
  let example = "show tokens(model, \"The cat sat\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .table }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let model = try args.object("model", ModelValue.self)
    let text = try args.string("text")
    let tok = try model.tokenizer()
    let ids = tok.encode(text)
    return .object(
      Table(
        columns: [.init("position", .int), .init("id", .int), .init("token", .string)],
        rows: ids.enumerated().map { [.int($0.offset), .int(Int($0.element)), .string(tok.tokenText($0.element))] }))
  }
}

/// `activations(model, "text", layer: 6)`: one layer's neurons on every token of a text.
final class ActivationsOp: Primitive {
  let name = "activations"
  let version = 1
  var params: [Param] {
    [
      Param("model", .model, positional: true, doc: "the subject model"),
      Param("text", .string, positional: true, doc: "the text to run"),
      Param("layer", .int, doc: "the MLP layer whose neurons to read"),
    ]
  }
  let summary = "the [tokens x neurons] activations of one layer on a text (save it as .safetensors to compare with other tools)"
  let example = "save(activations(model, \"The cat sat\", layer: 6), to: \"acts.safetensors\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .tensor }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let model = try args.object("model", ModelValue.self)
    let layer = try args.int("layer")
    let c = model.configuration
    guard layer >= 0 && layer < c.layerCount else {
      throw UserError("activations: layer \(layer) is outside 0..<\(c.layerCount) of \(model.name)")
    }
    let tok = try model.tokenizer()
    let ids = tok.encode(try args.string("text"))
    guard !ids.isEmpty else { throw UserError("activations: the text has no tokens") }
    let out = try model.model().forward([ids], request: ForwardRequest(neuronLayers: [layer]))
    guard let m = out.neurons[layer] else { throw UserError("activations: the model returned no neurons for layer \(layer)") }
    let values = Array(UnsafeBufferPointer(start: m.pointer, count: m.rows * m.columns))
    return .object(
      TensorValue(shape: [m.rows, m.columns], data: values, rowLabels: ids.map(tok.tokenText), title: "\(model.name) layer \(layer)"))
  }
}
