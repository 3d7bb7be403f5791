import Foundation
import NxpFormats
import NxpTensor

// GGUF metadata keys are prefixed by the architecture name, e.g. `llama.block_count`.

extension ModelConfiguration {
  /// Reads the configuration from a GGUF file's metadata and tensor table.
  public init(gguf file: GGUFFile) throws {
    let archName = try file.string("general.architecture")
    guard let arch = Architecture(rawValue: archName) else { throw ModelError.unsupportedArchitecture(archName) }
    let p = archName + "."
    func optionalInt(_ key: String) throws -> Int? { file.metadata[key] == nil ? nil : try file.int(key) }
    func optionalDouble(_ key: String) throws -> Double? { file.metadata[key] == nil ? nil : try file.double(key) }

    if let scaling = file.metadata[p + "rope.scaling.type"]?.string, scaling != "none" {
      throw ModelError.badConfiguration(file: file.path, detail: "rotary scaling '\(scaling)' is not supported")
    }
    // Llama 3.1-style frequency factors come as a tensor rather than metadata.
    if file.tensorsByName["rope_freqs.weight"] != nil {
      throw ModelError.badConfiguration(file: file.path, detail: "rotary frequency factors (rope_freqs.weight) are not supported")
    }
    let hidden = try file.int(p + "embedding_length")
    let heads = try file.int(p + "attention.head_count")
    var vocab = try optionalInt(p + "vocab_size")
    if vocab == nil, let embedding = file.tensorsByName["token_embd.weight"], embedding.dims.count >= 2 {
      vocab = embedding.dims[1]
    }
    if vocab == nil, let tokens = file.metadata["tokenizer.ggml.tokens"]?.array { vocab = tokens.count }
    guard let vocab else {
      throw ModelError.badConfiguration(
        file: file.path, detail: "cannot tell the vocabulary size (no \(p)vocab_size, no token_embd.weight)")
    }
    let epsilonKey = arch.isLlamaFamily ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon"
    let bos = try optionalInt("tokenizer.ggml.bos_token_id")
    let eos = try optionalInt("tokenizer.ggml.eos_token_id")
    self.init(
      architecture: arch,
      vocabularySize: vocab,
      hiddenSize: hidden,
      intermediateSize: try file.int(p + "feed_forward_length"),
      layerCount: try file.int(p + "block_count"),
      headCount: heads,
      kvHeadCount: try optionalInt(p + "attention.head_count_kv"),
      headDim: try optionalInt(p + "attention.key_length"),
      contextLength: try file.int(p + "context_length"),
      normEpsilon: Float(try file.double(p + epsilonKey)),
      ropeTheta: try optionalDouble(p + "rope.freq_base") ?? 10000,
      ropeDimension: try optionalInt(p + "rope.dimension_count"),
      // llama.cpp's conversion permutes Q/K rows so that GGUF llama rotates adjacent pairs; it
      // leaves Qwen2's as they are (llama.cpp runs them with the NeoX rotation, halves).
      ropeStyle: arch == .llama ? .adjacentPairs : .halfSplit,
      tiedEmbeddings: file.tensorsByName["output.weight"] == nil,
      attentionBias: arch == .gpt2 || file.tensorsByName["blk.0.attn_q.bias"] != nil,
      attentionOutputBias: arch == .gpt2 || file.tensorsByName["blk.0.attn_output.bias"] != nil,
      mlpBias: arch == .gpt2 || file.tensorsByName["blk.0.ffn_up.bias"] != nil,
      bosTokenID: bos.flatMap { Int32(exactly: $0) },
      eosTokenID: eos.flatMap { Int32(exactly: $0) })
    try validate(file: file.path)
  }
}
