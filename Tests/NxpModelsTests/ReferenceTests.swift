import Foundation
import NxpModels
import NxpTensor
import NxpTestSupport
import Testing

/// nxp's forward pass against plain numpy implementations (float64) given the same weights:
/// Tests/Reference/llama_reference.py and gpt2_reference.py.
@Suite struct ModelReferenceTests {
  // MARK: - SmolLM2-135M (GGUF, Q4_1 layers, Q8_0 tied embedding)

  /// Neurons of layers 0, 14 and 29 and all logits for three short texts, plus a second run with
  /// two neuron overrides (layer 3: one value per token; layer 10: one value for all tokens).
  /// Measured deviations (float32 against float64): at most about 1.5e-6 of the largest reference
  /// value for neurons (layer 29: 4e-4 absolute on values up to 447) and logits (6e-5 absolute on
  /// values up to 38). The tolerance is 2e-5 of the largest reference value.
  @Test func defaultModelMatchesNumpyReference() throws {
    let model = try Fixtures.defaultModel()
    let tokenizer = try #require(try model.tokenizer())
    let texts = ["The capital of France is", "def add(a, b):\n    return", "Once upon a time, there"]
    let sequences = texts.map { tokenizer.encode($0) }
    let rows = sequences.reduce(0) { $0 + $1.count }
    let layers = [0, 14, 29]
    let overrideValues = (0..<rows).map { Float($0 % 5) - 1.5 }
    let overrides = [
      NeuronOverride(layer: 3, neuron: 100, values: overrideValues), NeuronOverride(layer: 10, neuron: 7, values: [4]),
    ]

    let dir = try TestEnvironment.temporaryDirectory("nxp-llama-ref")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/plain", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/override", withIntermediateDirectories: true)
    try Fixtures.reference(
      "llama_reference.py", ["forward"],
      request: [
        "model": model.sourceFiles[0], "sequences": sequences.map { $0.map(Int.init) },
        "runs": [
          ["neuron_layers": layers, "logits": true, "output": dir + "/plain"],
          [
            "neuron_layers": [3, 14], "logits": true, "output": dir + "/override",
            "overrides": overrides.map { ["layer": $0.layer, "neuron": $0.neuron, "values": $0.values.map(Double.init)] },
          ],
        ],
      ])

    let plain = try model.forward(sequences, request: ForwardRequest(neuronLayers: layers, logits: .all))
    for l in layers {
      let d = Deviation(plain.neurons[l]!.toArray(), try Fixtures.readFloats(dir + "/plain/neurons_\(l).f32"))
      #expect(d.relative < 2e-5, "layer \(l) neurons: \(d)")
    }
    let logits = plain.logits!.toArray()
    let expectedLogits = try Fixtures.readFloats(dir + "/plain/logits.f32")
    let d = Deviation(logits, expectedLogits)
    #expect(d.relative < 2e-5, "logits: \(d)")
    // The same greedy next token as the reference for every row.
    let V = model.configuration.vocabularySize
    for r in 0..<rows {
      let ours = TokenSampler.argmax(Array(logits[(r * V)..<((r + 1) * V)]))
      let theirs = TokenSampler.argmax(Array(expectedLogits[(r * V)..<((r + 1) * V)]))
      #expect(ours == theirs, "row \(r): argmax \(ours) vs \(theirs)")
    }
    // A sanity check of the model itself.
    let last = plain.sequenceStarts[1] - 1
    let next = TokenSampler.argmax(Array(logits[(last * V)..<((last + 1) * V)]))
    #expect(tokenizer.decode([Int32(next)]) == " Paris")

    let changed = try model.forward(sequences, request: ForwardRequest(neuronLayers: [3, 14], logits: .all, overrides: overrides))
    #expect(changed.neurons[3]!.column(100) == overrideValues)
    for l in [3, 14] {
      let dl = Deviation(changed.neurons[l]!.toArray(), try Fixtures.readFloats(dir + "/override/neurons_\(l).f32"))
      #expect(dl.relative < 2e-5, "overridden run, layer \(l) neurons: \(dl)")
    }
    let dOver = Deviation(changed.logits!.toArray(), try Fixtures.readFloats(dir + "/override/logits.f32"))
    #expect(dOver.relative < 2e-5, "overridden run, logits: \(dOver)")
    // The override moved layer 14 by far more than the tolerance.
    let moved = Deviation(changed.neurons[14]!.toArray(), plain.neurons[14]!.toArray())
    #expect(moved.maxAbs > 1e-2, "override effect on layer 14: \(moved)")
  }

  // MARK: - Tiny random checkpoints

  /// A random llama GGUF (Q8_0 and F16 weights, adjacent-pair rotary), with residuals and an
  /// override. Measured deviations are below 6e-7 of the largest reference value; tolerance 1e-5.
  @Test func tinyGGUFLlamaMatchesReference() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-tiny-gguf")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/tiny.gguf"
    try Fixtures.reference("llama_reference.py", ["write-gguf", path, "11"])
    let model = try ModelRegistry.load(path, threads: 2)
    #expect(model.configuration.ropeStyle == .adjacentPairs && model.configuration.tiedEmbeddings)
    let sequences: [[Int32]] = [[1, 5, 9, 33, 2, 96, 40], [7, 7, 7], [60, 0, 12, 13, 14]]
    let override = NeuronOverride(layer: 1, neuron: 30, values: (0..<15).map { Float($0) * 0.25 - 2 })
    try Fixtures.reference(
      "llama_reference.py", ["forward"],
      request: [
        "model": path, "sequences": sequences.map { $0.map(Int.init) }, "neuron_layers": [0, 1, 2], "residual_layers": [1],
        "logits": true, "output": dir,
        "overrides": [["layer": 1, "neuron": 30, "values": override.values.map(Double.init)]],
      ])
    let out = try model.forward(
      sequences, request: ForwardRequest(neuronLayers: [0, 1, 2], residualLayers: [1], logits: .all, overrides: [override]))
    for l in 0..<3 {
      let d = Deviation(out.neurons[l]!.toArray(), try Fixtures.readFloats(dir + "/neurons_\(l).f32"))
      #expect(d.relative < 1e-5, "layer \(l): \(d)")
    }
    let r = Deviation(out.residuals[1]!.toArray(), try Fixtures.readFloats(dir + "/residual_1.f32"))
    #expect(r.relative < 1e-5, "residual 1: \(r)")
    let lg = Deviation(out.logits!.toArray(), try Fixtures.readFloats(dir + "/logits.f32"))
    #expect(lg.relative < 1e-5, "logits: \(lg)")
  }

  /// A random Hugging Face llama checkpoint (safetensors, rotate_half rotary, separate lm_head),
  /// in one file and in two shards with an index. Measured deviations are below 6e-7 of the
  /// largest reference value; tolerance 1e-5.
  @Test(arguments: [1, 2])
  func huggingFaceLlamaMatchesReference(shards: Int) throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-tiny-hf-llama")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Fixtures.reference("llama_reference.py", ["write-hf", dir + "/model", "12", String(shards)])
    let model = try ModelRegistry.load(dir + "/model", threads: 2)
    #expect(model.sourceFiles.count == (shards == 1 ? 2 : 4))
    #expect(model.configuration.ropeStyle == .halfSplit && !model.configuration.tiedEmbeddings)
    let sequences: [[Int32]] = [[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [95, 96]]
    try Fixtures.reference(
      "llama_reference.py", ["forward"],
      request: [
        "model": dir + "/model", "sequences": sequences.map { $0.map(Int.init) }, "neuron_layers": [0, 2], "logits": true, "output": dir,
      ])
    let out = try model.forward(sequences, request: ForwardRequest(neuronLayers: [0, 2], logits: .all))
    for l in [0, 2] {
      let d = Deviation(out.neurons[l]!.toArray(), try Fixtures.readFloats(dir + "/neurons_\(l).f32"))
      #expect(d.relative < 1e-5, "layer \(l): \(d)")
    }
    let lg = Deviation(out.logits!.toArray(), try Fixtures.readFloats(dir + "/logits.f32"))
    #expect(lg.relative < 1e-5, "logits: \(lg)")
  }

  /// Random GPT-2 checkpoints (Conv1D weights, learned positions, GELU), with and without the
  /// `transformer.` name prefix, and the same weights as GPT-2 GGUF, with an override. Measured deviations are below 4e-7 of the
  /// largest reference value; tolerance 1e-5.
  @Test(arguments: ["", "transformer."])
  func gpt2MatchesReference(prefix: String) throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-tiny-gpt2")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Fixtures.reference("gpt2_reference.py", ["write", dir + "/model", "13", prefix])
    let sequences: [[Int32]] = [[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], [5, 4, 3]]
    let override = NeuronOverride(layer: 0, neuron: 200, values: [3])
    try Fixtures.reference(
      "gpt2_reference.py", ["forward"],
      request: [
        "model": dir + "/model", "sequences": sequences.map { $0.map(Int.init) }, "neuron_layers": [0, 2], "residual_layers": [2],
        "logits": true, "output": dir, "overrides": [["layer": 0, "neuron": 200, "values": [3.0]]],
      ])
    // The Hugging Face folder, and the same weights as a llama.cpp-style GGUF.
    for path in [dir + "/model", dir + "/model/model.gguf"] {
      let model = try ModelRegistry.load(path, threads: 2)
      #expect(model.configuration.architecture == .gpt2 && model.configuration.intermediateSize == 256)
      let out = try model.forward(
        sequences, request: ForwardRequest(neuronLayers: [0, 2], residualLayers: [2], logits: .all, overrides: [override]))
      for l in [0, 2] {
        let d = Deviation(out.neurons[l]!.toArray(), try Fixtures.readFloats(dir + "/neurons_\(l).f32"))
        #expect(d.relative < 1e-5, "\(path) layer \(l): \(d)")
      }
      #expect(out.neurons[0]!.column(200).allSatisfy { $0 == 3 })
      let res = Deviation(out.residuals[2]!.toArray(), try Fixtures.readFloats(dir + "/residual_2.f32"))
      #expect(res.relative < 1e-5, "\(path) residual 2: \(res)")
      let lg = Deviation(out.logits!.toArray(), try Fixtures.readFloats(dir + "/logits.f32"))
      #expect(lg.relative < 1e-5, "\(path) logits: \(lg)")
    }
  }
}
