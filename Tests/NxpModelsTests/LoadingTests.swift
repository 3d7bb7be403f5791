import Foundation
import NxpFormats
import NxpModels
import NxpTestSupport
import Testing

/// Configurations, the registry, and loading failures.
@Suite struct LoadingTests {
  // MARK: - Configuration

  @Test func defaultModelConfiguration() throws {
    let model = try Fixtures.defaultModel()
    let c = model.configuration
    #expect(c.architecture == .llama && c.vocabularySize == 49152 && c.hiddenSize == 576 && c.intermediateSize == 1536)
    #expect(c.layerCount == 30 && c.headCount == 9 && c.kvHeadCount == 3 && c.headDim == 64 && c.ropeDimension == 64)
    #expect(c.ropeTheta == 100000 && c.normEpsilon == Float(1e-5) && c.contextLength == 8192)
    #expect(c.tiedEmbeddings && !c.attentionBias && c.ropeStyle == .adjacentPairs)
    #expect(c.bosTokenID == 1 && c.eosTokenID == 2)
    // 30 layers x 3.54M weights + norms, as float32: about 425 MB; the Q8_0 embedding stays mapped.
    let layerFloats = 30 * (576 * 960 + 576 * 576 + 576 * 3072 + 1536 * 576 + 2 * 576)
    #expect(model.weightBytes == (layerFloats + 576) * 4 || model.weightBytes == (layerFloats + 576 + 49152 * 576) * 4)
    #expect(c.projectionFLOPsPerToken() == 2 * 30 * 3_538_944)
    #expect(model.sourceFiles == [try TestEnvironment.defaultModelPath()])
  }

  @Test func huggingFaceConfigurations() throws {
    let llama = """
      {"model_type": "llama", "vocab_size": 1000, "hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 4,
       "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 48, "max_position_embeddings": 512,
       "rms_norm_eps": 1e-6, "rope_theta": 500000.0, "tie_word_embeddings": true, "hidden_act": "silu",
       "bos_token_id": 1, "eos_token_id": [2, 3], "rope_scaling": null}
      """
    let c = try ModelConfiguration(huggingFaceConfig: Data(llama.utf8))
    #expect(c.architecture == .llama && c.kvHeadCount == 2 && c.headDim == 48 && c.qkvWidth == (8 + 4) * 48)
    #expect(c.ropeStyle == .halfSplit && c.ropeTheta == 500000 && c.tiedEmbeddings && c.eosTokenID == 2)
    let gpt2 = #"{"model_type": "gpt2", "vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024}"#
    let g = try ModelConfiguration(huggingFaceConfig: Data(gpt2.utf8))
    #expect(g.architecture == .gpt2 && g.intermediateSize == 3072 && g.tiedEmbeddings && g.attentionBias && g.mlpBias)
    #expect(g.normEpsilon == Float(1e-5))
  }

  @Test func unsupportedConfigurationsAreRefusedByName() throws {
    let mistral = #"{"model_type": "mistral", "hidden_size": 4096}"#
    #expect(throws: ModelError.unsupportedArchitecture("mistral")) { try ModelConfiguration(huggingFaceConfig: Data(mistral.utf8)) }
    #expect(
      ModelError.unsupportedArchitecture("mistral").description
        == "unsupported model architecture 'mistral'; nxp supports: llama, qwen2, gpt2")
    let scaled =
      #"{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "rope_scaling": {"type": "llama3"}}"#
    #expect(throws: ModelError.badConfiguration(file: "config.json", detail: "rotary scaling is not supported")) {
      try ModelConfiguration(huggingFaceConfig: Data(scaled.utf8))
    }
    let badHeads =
      #"{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 3, "num_key_value_heads": 2, "head_dim": 4}"#
    #expect(throws: ModelError.self) { try ModelConfiguration(huggingFaceConfig: Data(badHeads.utf8)) }
    #expect(throws: ModelError.badConfiguration(file: "config.json", detail: "'n_layer' is missing")) {
      try ModelConfiguration(
        huggingFaceConfig: Data(#"{"model_type": "gpt2", "vocab_size": 5, "n_embd": 8, "n_head": 2, "n_positions": 8}"#.utf8))
    }
  }

  // MARK: - Tiny GGUF files built in Swift

  /// A one-layer llama GGUF with F32 tensors; `drop` leaves a tensor out, `reshape` changes
  /// one tensor's dims, `architecture` overrides `general.architecture`.
  static func tinyGGUF(
    architecture: String = "llama", drop: String? = nil, reshape: (String, [Int])? = nil, width: UInt32 = 8, layers: UInt32 = 1,
    extraTensor: String? = nil
  ) -> Data {
    var w = GGUFWriter()
    w.add("general.architecture", .string(architecture))
    let p = architecture + "."
    w.add(p + "block_count", .uint32(layers))
    w.add(p + "context_length", .uint32(16))
    w.add(p + "embedding_length", .uint32(width))
    w.add(p + "feed_forward_length", .uint32(12))
    w.add(p + "attention.head_count", .uint32(2))
    w.add(p + "attention.head_count_kv", .uint32(1))
    w.add(p + "attention.layer_norm_rms_epsilon", .float32(1e-5))
    // ggml dims: row length first.
    let tensors: [(String, [Int])] = [
      ("token_embd.weight", [8, 10]), ("output_norm.weight", [8]), ("blk.0.attn_norm.weight", [8]),
      ("blk.0.attn_q.weight", [8, 8]), ("blk.0.attn_k.weight", [8, 4]), ("blk.0.attn_v.weight", [8, 4]),
      ("blk.0.attn_output.weight", [8, 8]), ("blk.0.ffn_norm.weight", [8]), ("blk.0.ffn_gate.weight", [8, 12]),
      ("blk.0.ffn_up.weight", [8, 12]), ("blk.0.ffn_down.weight", [12, 8]),
    ]
    for (name, dims) in tensors + (extraTensor.map { [($0, [4])] } ?? []) where name != drop {
      let d = reshape?.0 == name ? reshape!.1 : dims
      w.addTensor(name, type: .f32, dims: d, floats: (0..<d.reduce(1, *)).map { Float($0 % 7) * 0.1 })
    }
    return w.data()
  }

  static func load(_ data: Data) throws -> TransformerModel {
    let dir = try TestEnvironment.temporaryDirectory("nxp-bad-gguf")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/m.gguf"
    try data.write(to: URL(fileURLWithPath: path))
    return try ModelRegistry.load(path)
  }

  @Test func tinyGGUFLoadsAndRuns() throws {
    let model = try Self.load(Self.tinyGGUF())
    #expect(model.configuration.vocabularySize == 10 && model.configuration.kvHeadCount == 1)
    let out = try model.forward([[1, 2, 3]], request: ForwardRequest(neuronLayers: [0], logits: .all))
    #expect(out.neurons[0]!.count == 36 && out.logits!.toArray().allSatisfy { $0.isFinite })
    #expect(try model.tokenizer() == nil)
  }

  @Test func missingTensorIsNamed() throws {
    #expect(throws: ModelError.self) { _ = try Self.load(Self.tinyGGUF(drop: "blk.0.ffn_down.weight")) }
    do {
      _ = try Self.load(Self.tinyGGUF(drop: "blk.0.ffn_down.weight"))
    } catch let ModelError.missingTensor(name, _) {
      #expect(name == "blk.0.ffn_down.weight")
    }
  }

  @Test func wrongShapeIsNamed() throws {
    #expect(throws: ModelError.wrongShape(tensor: "blk.0.attn_k.weight", expected: [4, 8], found: [8, 8])) {
      _ = try Self.load(Self.tinyGGUF(reshape: ("blk.0.attn_k.weight", [8, 8])))
    }
    #expect(throws: ModelError.wrongShape(tensor: "token_embd.weight", expected: [10, 8], found: [10, 6])) {
      _ = try Self.load(Self.tinyGGUF(reshape: ("token_embd.weight", [6, 10])))
    }
    #expect(throws: ModelError.wrongShape(tensor: "token_embd.weight", expected: [5, 8], found: [2, 5, 8])) {
      _ = try Self.load(Self.tinyGGUF(reshape: ("token_embd.weight", [8, 5, 2])))
    }
  }

  /// Metadata claiming a huge model over small tensors fails on the first tensor's shape,
  /// before any weight memory is allocated (allocating it would need terabytes).
  @Test func hugeClaimsFailBeforeAllocating() throws {
    #expect(throws: ModelError.wrongShape(tensor: "blk.0.attn_norm.weight", expected: [1 << 22], found: [8])) {
      _ = try Self.load(Self.tinyGGUF(width: 1 << 22))
    }
    #expect(throws: ModelError.missingTensor(name: "blk.1.attn_norm.weight", file: "")) {
      do {
        _ = try Self.load(Self.tinyGGUF(layers: 1_000_000))
      } catch ModelError.missingTensor(let name, _) {
        throw ModelError.missingTensor(name: name, file: "")
      }
    }
  }

  @Test func unsupportedGGUFArchitectureListsSupported() throws {
    #expect(throws: ModelError.unsupportedArchitecture("falcon")) { _ = try Self.load(Self.tinyGGUF(architecture: "falcon")) }
    // Llama 3.1 frequency factors would silently change every position's rotation: refused.
    #expect(throws: ModelError.self) { _ = try Self.load(Self.tinyGGUF(extraTensor: "rope_freqs.weight")) }
  }

  /// Every truncation of a valid file is an error, never a crash.
  @Test func truncatedFilesAreErrors() throws {
    let data = Self.tinyGGUF()
    for length in stride(from: 0, to: data.count, by: max(1, data.count / 97)) {
      #expect(throws: (any Error).self, "truncated to \(length) of \(data.count) bytes") { _ = try Self.load(data.prefix(length)) }
    }
  }

  /// A Hugging Face folder whose checkpoint lacks a tensor, or whose config does not match it.
  @Test func huggingFaceFolderErrors() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-bad-hf")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var writer = SafeTensorsWriter()
    try writer.add("wte.weight", shape: [5, 8], floats: Array(repeating: 0.5, count: 40))
    try writer.write(to: dir + "/model.safetensors")
    let config = #"{"model_type": "gpt2", "vocab_size": 5, "n_embd": 8, "n_layer": 1, "n_head": 2, "n_positions": 8}"#
    try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
    #expect(throws: ModelError.missingTensor(name: "h.0.ln_1.weight", file: dir + "/model.safetensors")) {
      _ = try ModelRegistry.load(dir)
    }
    let wider = #"{"model_type": "gpt2", "vocab_size": 5, "n_embd": 16, "n_layer": 0, "n_head": 2, "n_positions": 8}"#
    try Data(wider.utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
    #expect(throws: ModelError.self) { _ = try ModelRegistry.load(dir) }
  }

  // MARK: - Registry

  @Test func registryResolvesAliasesAndExplainsMissingModels() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-models")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let env = ["NXP_MODELS_DIR": dir]
    let expected = dir + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    #expect(throws: ModelError.modelNotInstalled(name: "smollm2-135m", path: expected)) {
      _ = try ModelRegistry.resolve("smollm2-135m", environment: env)
    }
    let message = ModelError.modelNotInstalled(name: "smollm2-135m", path: expected).description
    #expect(message.contains("scripts/install-model.sh") && message.contains(expected))
    try Data().write(to: URL(fileURLWithPath: expected))
    #expect(try ModelRegistry.resolve("smollm2-135m", environment: env) == .gguf(path: expected))
    #expect(try ModelRegistry.files("SmolLM2-135M", environment: env) == [expected])
    // Folder rule: NXP_MODELS_DIR, then XDG_CACHE_HOME, then ~/.cache.
    #expect(ModelRegistry.modelsDirectory(environment: ["XDG_CACHE_HOME": "/x"]) == "/x/nxp/models")
    #expect(ModelRegistry.modelsDirectory(environment: [:]) == NSHomeDirectory() + "/.cache/nxp/models")
    #expect(ModelRegistry.modelsDirectory(environment: ["NXP_MODELS_DIR": "/m", "XDG_CACHE_HOME": "/x"]) == "/m")
    #expect(throws: ModelError.modelNotFound("no-such-model")) { _ = try ModelRegistry.resolve("no-such-model", environment: env) }
  }

  @Test func registryListsHuggingFaceFiles() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-hf-files")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
    let index =
      #"{"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}"#
    try Data(index.utf8).write(to: URL(fileURLWithPath: dir + "/model.safetensors.index.json"))
    try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
    #expect(
      try ModelRegistry.files(dir) == [
        dir + "/config.json", dir + "/model.safetensors.index.json", dir + "/model-00001-of-00002.safetensors",
        dir + "/model-00002-of-00002.safetensors", dir + "/tokenizer.json",
      ])
    #expect(throws: ModelError.self) { _ = try ModelRegistry.resolve(dir + "/missing-folder") }
    try FileManager.default.removeItem(atPath: dir + "/model.safetensors.index.json")
    #expect(throws: ModelError.missingFile(path: dir, detail: "has neither model.safetensors nor model.safetensors.index.json")) {
      _ = try ModelRegistry.files(dir)
    }
  }
}
