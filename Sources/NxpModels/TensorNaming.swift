// Tensor names per architecture and file convention. Layer names contain "{L}" for the index.

/// A per-layer parameter as the loaders ask for it.
enum LayerTensor: CaseIterable {
  case attentionNorm, attentionNormBias
  case q, k, v, qBias, kBias, vBias, qkv, qkvBias
  case attentionOutput, attentionOutputBias
  case mlpNorm, mlpNormBias
  case gate, up, down, gateBias, upBias, downBias
}

/// How one file convention names tensors and stores linear weights.
struct TensorNaming {
  var tokenEmbedding: String
  var positionEmbedding: String?
  var finalNorm: String
  var finalNormBias: String?
  var output: String
  var layer: [LayerTensor: String]
  /// Linear weights stored `[in, out]` (GPT-2's Conv1D) rather than `[out, in]`.
  var inputMajorLinear: Bool

  func name(_ t: LayerTensor, _ layer: Int) -> String {
    (self.layer[t] ?? "?").replacingOccurrences(of: "{L}", with: String(layer))
  }

  // MARK: - Conventions

  /// llama.cpp names (`blk.N.attn_q.weight`), used by GGUF files of both families.
  static func gguf(_ arch: Architecture) -> TensorNaming {
    var layer: [LayerTensor: String] = [
      .attentionNorm: "blk.{L}.attn_norm.weight", .attentionNormBias: "blk.{L}.attn_norm.bias",
      .q: "blk.{L}.attn_q.weight", .k: "blk.{L}.attn_k.weight", .v: "blk.{L}.attn_v.weight",
      .qBias: "blk.{L}.attn_q.bias", .kBias: "blk.{L}.attn_k.bias", .vBias: "blk.{L}.attn_v.bias",
      .qkv: "blk.{L}.attn_qkv.weight", .qkvBias: "blk.{L}.attn_qkv.bias",
      .attentionOutput: "blk.{L}.attn_output.weight", .attentionOutputBias: "blk.{L}.attn_output.bias",
      .mlpNorm: "blk.{L}.ffn_norm.weight", .mlpNormBias: "blk.{L}.ffn_norm.bias",
      .gate: "blk.{L}.ffn_gate.weight", .up: "blk.{L}.ffn_up.weight", .down: "blk.{L}.ffn_down.weight",
      .gateBias: "blk.{L}.ffn_gate.bias", .upBias: "blk.{L}.ffn_up.bias", .downBias: "blk.{L}.ffn_down.bias",
    ]
    if arch.isLlamaFamily { layer[.qkv] = nil }
    return TensorNaming(
      tokenEmbedding: "token_embd.weight", positionEmbedding: arch == .gpt2 ? "position_embd.weight" : nil,
      finalNorm: "output_norm.weight", finalNormBias: arch == .gpt2 ? "output_norm.bias" : nil, output: "output.weight",
      layer: layer, inputMajorLinear: false)
  }

  /// Hugging Face LlamaForCausalLM names.
  static let huggingFaceLlama = TensorNaming(
    tokenEmbedding: "model.embed_tokens.weight", positionEmbedding: nil, finalNorm: "model.norm.weight",
    finalNormBias: nil, output: "lm_head.weight",
    layer: [
      .attentionNorm: "model.layers.{L}.input_layernorm.weight",
      .q: "model.layers.{L}.self_attn.q_proj.weight", .k: "model.layers.{L}.self_attn.k_proj.weight",
      .v: "model.layers.{L}.self_attn.v_proj.weight", .qBias: "model.layers.{L}.self_attn.q_proj.bias",
      .kBias: "model.layers.{L}.self_attn.k_proj.bias", .vBias: "model.layers.{L}.self_attn.v_proj.bias",
      .attentionOutput: "model.layers.{L}.self_attn.o_proj.weight",
      .attentionOutputBias: "model.layers.{L}.self_attn.o_proj.bias",
      .mlpNorm: "model.layers.{L}.post_attention_layernorm.weight",
      .gate: "model.layers.{L}.mlp.gate_proj.weight", .up: "model.layers.{L}.mlp.up_proj.weight",
      .down: "model.layers.{L}.mlp.down_proj.weight", .gateBias: "model.layers.{L}.mlp.gate_proj.bias",
      .upBias: "model.layers.{L}.mlp.up_proj.bias", .downBias: "model.layers.{L}.mlp.down_proj.bias",
    ], inputMajorLinear: false)

  /// Hugging Face GPT-2 names; checkpoints saved from GPT2LMHeadModel prefix them `transformer.`.
  static func huggingFaceGPT2(prefix: String) -> TensorNaming {
    let p = prefix
    return TensorNaming(
      tokenEmbedding: p + "wte.weight", positionEmbedding: p + "wpe.weight", finalNorm: p + "ln_f.weight",
      finalNormBias: p + "ln_f.bias", output: "lm_head.weight",
      layer: [
        .attentionNorm: p + "h.{L}.ln_1.weight", .attentionNormBias: p + "h.{L}.ln_1.bias",
        .qkv: p + "h.{L}.attn.c_attn.weight", .qkvBias: p + "h.{L}.attn.c_attn.bias",
        .attentionOutput: p + "h.{L}.attn.c_proj.weight", .attentionOutputBias: p + "h.{L}.attn.c_proj.bias",
        .mlpNorm: p + "h.{L}.ln_2.weight", .mlpNormBias: p + "h.{L}.ln_2.bias",
        .up: p + "h.{L}.mlp.c_fc.weight", .upBias: p + "h.{L}.mlp.c_fc.bias",
        .down: p + "h.{L}.mlp.c_proj.weight", .downBias: p + "h.{L}.mlp.c_proj.bias",
      ], inputMajorLinear: true)
  }
}
