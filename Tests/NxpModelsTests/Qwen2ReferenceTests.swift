import Foundation
import NxpModels
import NxpTestSupport
import Testing

/// Qwen2 (biases on Q/K/V, none on the output projection, rotate-half rotary, tied head) from a
/// tiny random checkpoint the test writes, against the numpy reference from the same tensors.
@Suite struct Qwen2ReferenceTests {
  func check(_ model: TransformerModel, path: String, dir: String) throws {
    let c = model.configuration
    #expect(c.architecture == .qwen2 && c.attentionBias && !c.attentionOutputBias && !c.mlpBias)
    #expect(c.ropeStyle == .halfSplit && c.tiedEmbeddings)
    let sequences: [[Int32]] = [[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [95, 96, 0]]
    try Fixtures.reference(
      "llama_reference.py", ["forward"],
      request: ["model": path, "sequences": sequences.map { $0.map(Int.init) }, "neuron_layers": [0, 2], "logits": true, "output": dir])
    let out = try model.forward(sequences, request: ForwardRequest(neuronLayers: [0, 2], logits: .all))
    for l in [0, 2] {
      let d = Deviation(out.neurons[l]!.toArray(), try Fixtures.readFloats(dir + "/neurons_\(l).f32"))
      #expect(d.relative < 1e-5, "layer \(l): \(d)")
    }
    let lg = Deviation(out.logits!.toArray(), try Fixtures.readFloats(dir + "/logits.f32"))
    #expect(lg.relative < 1e-5, "logits: \(lg)")
  }

  @Test func huggingFaceQwen2MatchesReference() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-tiny-qwen2")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Fixtures.reference("llama_reference.py", ["write-hf", dir + "/model", "21", "1", "qwen2"])
    try check(try ModelRegistry.load(dir + "/model", threads: 2), path: dir + "/model", dir: dir)
  }

  @Test func ggufQwen2MatchesReference() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-tiny-qwen2-gguf")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Fixtures.reference("llama_reference.py", ["write-gguf", dir + "/tiny.gguf", "22", "qwen2"])
    try check(try ModelRegistry.load(dir + "/tiny.gguf", threads: 2), path: dir + "/tiny.gguf", dir: dir)
  }

  @Test func slidingWindowAttentionIsRefused() throws {
    let config =
      #"{"model_type": "qwen2", "hidden_size": 8, "num_attention_heads": 2, "intermediate_size": 8, "num_hidden_layers": 1, "vocab_size": 4, "use_sliding_window": true}"#
    #expect(throws: ModelError.self) { try ModelConfiguration(huggingFaceConfig: Data(config.utf8)) }
  }
}
