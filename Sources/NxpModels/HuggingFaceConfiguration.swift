import Foundation
import NxpTensor

// Hugging Face `config.json` files: `model_type` picks the family, each with its own key names
// (LlamaConfig: hidden_size, num_hidden_layers, ...; GPT2Config: n_embd, n_layer, ...).

extension ModelConfiguration {
  /// Reads a Hugging Face `config.json`; `path` is used in error messages.
  public init(huggingFaceConfig data: Data, path: String = "config.json") throws {
    func bad(_ d: String) -> ModelError { .badConfiguration(file: path, detail: d) }
    guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw bad("not a JSON object")
    }
    func isNull(_ key: String) -> Bool { json[key] == nil || json[key] is NSNull }
    func int(_ key: String) throws -> Int {
      guard let v = json[key] as? NSNumber, let i = Int(exactly: v.doubleValue) else {
        throw bad(json[key] == nil ? "'\(key)' is missing" : "'\(key)' should be an integer")
      }
      return i
    }
    func optionalInt(_ key: String) throws -> Int? { isNull(key) ? nil : try int(key) }
    func double(_ key: String, default value: Double) throws -> Double {
      if isNull(key) { return value }
      guard let v = json[key] as? NSNumber else { throw bad("'\(key)' should be a number") }
      return v.doubleValue
    }
    func bool(_ key: String, default value: Bool) throws -> Bool {
      if isNull(key) { return value }
      guard let v = json[key] as? Bool else { throw bad("'\(key)' should be true or false") }
      return v
    }
    func string(_ key: String) -> String? { json[key] as? String }
    // eos_token_id may be a list (several stop tokens); the first is the model's own.
    func tokenID(_ key: String) -> Int32? {
      if let n = json[key] as? NSNumber { return Int32(exactly: n.doubleValue) }
      if let a = json[key] as? [NSNumber], let n = a.first { return Int32(exactly: n.doubleValue) }
      return nil
    }

    guard let type = string("model_type") else { throw bad("'model_type' is missing") }
    guard let arch = Architecture(rawValue: type) else { throw ModelError.unsupportedArchitecture(type) }
    switch arch {
    case .llama, .qwen2:
      if let act = string("hidden_act"), act != "silu" { throw bad("activation '\(act)' is not supported (\(type) uses silu)") }
      if arch == .qwen2, try bool("use_sliding_window", default: false) { throw bad("sliding-window attention is not supported") }
      if !isNull("rope_scaling") { throw bad("rotary scaling is not supported") }
      let hidden = try int("hidden_size"), heads = try int("num_attention_heads")
      let headDim = try optionalInt("head_dim") ?? hidden / max(1, heads)
      let partial = try double("partial_rotary_factor", default: 1)
      // Qwen2 always has biases on Q/K/V and never on the output projection.
      let bias = arch == .qwen2 ? true : try bool("attention_bias", default: false)
      self.init(
        architecture: arch, vocabularySize: try int("vocab_size"), hiddenSize: hidden,
        intermediateSize: try int("intermediate_size"), layerCount: try int("num_hidden_layers"), headCount: heads,
        kvHeadCount: try optionalInt("num_key_value_heads"), headDim: headDim,
        contextLength: try optionalInt("max_position_embeddings") ?? 2048,
        normEpsilon: Float(try double("rms_norm_eps", default: 1e-6)), ropeTheta: try double("rope_theta", default: 10000),
        ropeDimension: Int((Double(headDim) * partial).rounded()), ropeStyle: .halfSplit,
        tiedEmbeddings: try bool("tie_word_embeddings", default: false), attentionBias: bias,
        attentionOutputBias: arch == .qwen2 ? false : bias, mlpBias: try bool("mlp_bias", default: false),
        bosTokenID: tokenID("bos_token_id"), eosTokenID: tokenID("eos_token_id"))
    case .gpt2:
      let act = string("activation_function") ?? "gelu_new"
      guard ["gelu_new", "gelu_pytorch_tanh", "gelu_fast"].contains(act) else {
        throw bad("activation '\(act)' is not supported (nxp runs the tanh form of GELU)")
      }
      if try bool("scale_attn_by_inverse_layer_idx", default: false) || !(try bool("scale_attn_weights", default: true)) {
        throw bad("non-standard GPT-2 attention scaling is not supported")
      }
      let hidden = try int("n_embd")
      self.init(
        architecture: .gpt2, vocabularySize: try int("vocab_size"), hiddenSize: hidden,
        intermediateSize: try optionalInt("n_inner") ?? 4 * hidden, layerCount: try int("n_layer"), headCount: try int("n_head"),
        contextLength: try int("n_positions"), normEpsilon: Float(try double("layer_norm_epsilon", default: 1e-5)),
        tiedEmbeddings: try bool("tie_word_embeddings", default: true), bosTokenID: tokenID("bos_token_id"),
        eosTokenID: tokenID("eos_token_id"))
    }
    try validate(file: path)
  }
}
