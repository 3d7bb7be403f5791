import Foundation
import NxpModels
import NxpTensor
import NxpTestSupport
import Testing

/// Weight-based related neurons and tokens against numpy (Tests/Reference/related_reference.py),
/// which applies the paper's formulas in float64 to the same checkpoint's tensors.
@Suite struct WeightRelationsTests {
  /// One ranked list from numpy: [key, value] pairs, largest magnitude first.
  typealias Pairs = [[Double]]

  /// Compares one of nxp's lists with numpy's: the same length, each rank's value within
  /// `tolerance`, the same key at each rank unless numpy's values of the two keys are within
  /// `tolerance` of each other (a near tie float32 may order either way), and each entry's value
  /// (and up weight) equal to numpy's full vector at its key.
  static func compare(
    _ label: String, ours: [(key: Int, value: Float, up: Float?)], expected: Pairs, full: [Double], fullUp: [Double]?,
    keyOffset: Int, tolerance: Double
  ) {
    #expect(ours.count == expected.count, "\(label): \(ours.count) entries, numpy \(expected.count)")
    for (i, (mine, theirs)) in zip(ours, expected).enumerated() {
      let key = Int(theirs[0])
      #expect(abs(Double(mine.value) - theirs[1]) < tolerance, "\(label) rank \(i): \(mine.value) vs numpy \(theirs[1])")
      if mine.key != key {
        #expect(abs(full[mine.key - keyOffset] - theirs[1]) < tolerance, "\(label) rank \(i): key \(mine.key) vs numpy \(key)")
      }
      #expect(abs(Double(mine.value) - full[mine.key - keyOffset]) < tolerance, "\(label) rank \(i): value of \(mine.key)")
      if let fullUp {
        guard let up = mine.up else {
          Issue.record("\(label) rank \(i): no up weight")
          continue
        }
        #expect(abs(Double(up) - fullUp[mine.key - keyOffset]) < tolerance, "\(label) rank \(i): up of \(mine.key)")
      } else {
        #expect(mine.up == nil, "\(label): an up weight without an up projection")
      }
    }
  }

  /// Checks layers 0, 1 and 2 (all of a 3-layer model: no upstream in the first, no downstream
  /// in the last) for three neurons, and the full layer-0 -> layer-2 connection matrix.
  /// Measured deviations (float32 against float64): at most 3.3e-7 of the largest value, and no
  /// near tie changed order among the 3,840 entries compared; tolerance
  /// 1e-5 of it.
  func check(model path: String, reference: String, swiGLU: Bool, dir: String) throws {
    let model = try ModelRegistry.load(path, threads: 2)
    #expect(model.hasUpProjection == swiGLU)
    let F = model.configuration.intermediateSize, L = model.configuration.layerCount
    #expect(L == 3)
    let neurons = [0, 5, F - 1]
    let top = 10, tokens = 20
    let out = try PythonReference.run(
      "related_reference.py", ["compute"],
      stdin: try JSONSerialization.data(withJSONObject: [
        "model": reference, "layers": [0, 1, 2], "neurons": neurons, "top": top, "tokens": tokens, "pair": [0, 2], "output": dir,
      ]))
    let expected = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
    #expect(expected["neurons_per_layer"] as? Int == F)
    let layers = try #require(expected["layers"] as? [String: [String: [String: Any]]])

    for layer in 0..<L {
      let relations = try model.weightRelations(layer: layer, neurons: neurons, top: top, tokens: tokens)
      #expect(relations.map(\.neuron) == neurons)
      for r in relations {
        let e = try #require(layers[String(layer)]?[String(r.neuron)])
        let ranked = try #require(e["ranked"] as? [String: [String: Pairs]])
        func full(_ name: String) -> [Double]? { e[name] as? [Double] }
        let label = "\(path) \(layer):\(r.neuron)"
        let all = ["upstream", "downstream", "input", "output"].compactMap(full).flatMap { $0 }
        let scale = all.map(abs).max() ?? 0
        #expect(scale > 0.01, "\(label): numpy values are all near 0")
        let tolerance = 1e-5 * scale
        for (name, list) in [("upstream", r.upstream), ("downstream", r.downstream)] {
          // A direction that does not exist is nil, never an empty list.
          #expect((list == nil) == (full(name) == nil), "\(label) \(name): nxp \(list == nil ? "nil" : "a list")")
          guard let list, let values = full(name), let lists = ranked[name] else { continue }
          let offset = name == "upstream" ? 0 : (layer + 1) * F
          for (sign, items) in [("positive", list.positive), ("negative", list.negative)] {
            #expect(items.count == top, "\(label) \(name) \(sign): \(items.count) entries")
            Self.compare(
              "\(label) \(name) \(sign)", ours: items.map { ($0.layer * F + $0.neuron, $0.weight, $0.up) }, expected: lists[sign] ?? [],
              full: values, fullUp: full(name + "_up"), keyOffset: offset, tolerance: tolerance)
          }
        }
        for (name, list) in [("input", r.inputTokens), ("output", r.outputTokens)] {
          let values = try #require(full(name))
          for (sign, items) in [("positive", list.positive), ("negative", list.negative)] {
            #expect(items.count == tokens, "\(label) \(name) \(sign): \(items.count) entries")
            Self.compare(
              "\(label) \(name) \(sign)", ours: items.map { (Int($0.token), $0.strength, $0.up) }, expected: ranked[name]?[sign] ?? [],
              full: values, fullUp: name == "input" ? full("input_up") : nil, keyOffset: 0, tolerance: tolerance)
          }
        }
      }
    }

    // One sgemm for a whole layer pair: every connection from layer 0 into layer 2.
    let pair = try model.connections(from: 0, to: 2)
    #expect(pair.rows == F && pair.columns == (swiGLU ? 2 : 1) * F)
    let d = Deviation(pair.toArray(), try Fixtures.readFloats(dir + "/pair.f32"))
    #expect(d.relative < 1e-5, "\(path) connections 0 -> 2: \(d)")
  }

  /// GPT-2 (c_fc, ln_2, tied wte), from the Hugging Face folder (Conv1D weights) and from the
  /// same weights as GGUF.
  @Test func gpt2MatchesNumpy() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-related-gpt2")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Fixtures.reference("gpt2_reference.py", ["write", dir + "/model", "21"])
    for path in [dir + "/model", dir + "/model/model.gguf"] {
      try check(model: path, reference: dir + "/model", swiGLU: false, dir: dir)
    }
  }

  /// Llama (SwiGLU: gate ranked, up beside) from a Hugging Face folder with a separate lm_head,
  /// and from a GGUF with Q8_0 weights and a tied embedding.
  @Test func llamaMatchesNumpy() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-related-llama")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Fixtures.reference("llama_reference.py", ["write-hf", dir + "/hf", "22"])
    try Fixtures.reference("llama_reference.py", ["write-gguf", dir + "/tiny.gguf", "23"])
    for path in [dir + "/hf", dir + "/tiny.gguf"] {
      try check(model: path, reference: path, swiGLU: true, dir: dir)
    }
  }

  @Test func neuronsOutsideTheModelAreClearErrors() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 3)
    #expect(throws: ModelError.neuronOutOfRange(layer: 1, neuron: 40, neuronCount: 40)) {
      try model.weightRelations(layer: 1, neurons: [0, 40], top: 3, tokens: 3)
    }
    #expect(throws: ModelError.layerOutOfRange(layer: 3, layerCount: 3)) {
      try model.weightRelations(layer: 3, neurons: [0], top: 3, tokens: 3)
    }
    #expect(throws: ModelError.layerPairOutOfOrder(from: 2, to: 1)) { try model.connections(from: 2, to: 1) }
  }
}
