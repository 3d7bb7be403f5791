import Foundation
import NxpTestSupport
import Testing

/// `related` through the real binary: on SmolLM2 with neurons and with a neuron set's records,
/// cached like every value, keyed by the model file's content, and clear about neurons that do
/// not exist.
@Suite struct RelatedTests {
  static let texts = (0..<24).map { "Paris is the capital of France, and Berlin of Germany. Number \($0) says hello to \($0 + 7) friends." }
    .joined(separator: "\n\n")

  /// Three neurons of SmolLM2 (first, middle and last layer), then the records of two neurons.
  @Test func relatedOnSmolLM2IsShapedAndCached() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-related")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = """
      model = load("smollm2-135m")
      rel = related(model, [0:5, 6:123, 29:7], top: 3, tokens: 5)
      show rel
      save(rel, to: "rel.jsonl")
      save(rel, to: "rel.csv")
      save(rel |> table, to: "rows.json")
      texts = corpus("texts.txt") |> excerpts(model, tokens: 16)
      chosen = topk(record(model, texts, layers: [6]), k: 4, random: 4) |> neurons(indices: [123, 7])
      save(related(model, chosen), to: "set.jsonl")
      """
    try script.write(toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
    try Self.texts.write(toFile: dir + "/texts.txt", atomically: true, encoding: .utf8)
    let first = try CommandRunner.nxp(["run", "r.nxp", "--summary"], in: dir)
    #expect(first.status == 0, "\(first)")
    #expect(
      first.stdout.hasPrefix(
        "Related: 3 neurons of smollm2-135m by weights through the gate (up weights in table(x)), top 3 neurons and 5 tokens each way\n"),
      "\(first.stdout)")
    #expect(first.stdout.contains("\n0:5\n  upstream      none (layer 0 has no earlier layer)\n"), "\(first.stdout)")
    #expect(first.stdout.contains("  downstream    none (the last layer has no later one)\n"), "\(first.stdout)")

    let lines = try String(contentsOfFile: dir + "/rel.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 3)
    for (line, (layer, neuron)) in zip(lines, [(0, 5), (6, 123), (29, 7)]) {
      let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(o["layer"] as? Int == layer && o["neuron"] as? Int == neuron)
      #expect(o["input_projection"] as? String == "gate")
      let neurons = try #require(o["related_neurons"] as? [String: Any])
      for direction in ["upstream", "downstream"] {
        let missing = direction == "upstream" ? layer == 0 : layer == 29
        #expect((neurons[direction] is NSNull) == missing, "\(layer):\(neuron) \(direction)")
        guard let d = neurons[direction] as? [String: Any] else { continue }
        for sign in ["positive", "negative"] {
          let ids = try #require(d["top_\(sign)_neurons"] as? [String])
          let weights = try #require(d["top_\(sign)_weights"] as? [Double])
          #expect(ids.count == 3 && weights.count == 3 && (d["top_\(sign)_up_weights"] as? [Double])?.count == 3)
          // Strongest first, on the right side of zero, in the right layers.
          #expect(weights == weights.sorted { sign == "positive" ? $0 > $1 : $0 < $1 })
          #expect(weights.allSatisfy { sign == "positive" ? $0 > 0 : $0 < 0 })
          for id in ids {
            let l = try #require(Int(id.split(separator: ":")[0]))
            #expect(direction == "upstream" ? l < layer : l > layer, "\(id) \(direction) of layer \(layer)")
          }
        }
      }
      let tokens = try #require(o["related_tokens"] as? [String: [String: Any]])
      #expect(Set(tokens.keys) == ["input_positive", "input_negative", "output_positive", "output_negative"])
      for (name, list) in tokens {
        #expect((list["tokens"] as? [String])?.count == 5 && (list["strengths"] as? [Double])?.count == 5, "\(name)")
        #expect((list["up_strengths"] as? [Double])?.count == (name.hasPrefix("input") ? 5 : nil), "\(name)")
      }
      #expect(o["activation_tokens"] is NSNull)
    }
    // Per neuron: 3 + 3 up, 3 + 3 down (when they exist), 5 + 5 input, 5 + 5 output tokens.
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/rows.json"))) as? [[String: Any]])
    #expect(rows.count == 26 + 32 + 26)
    #expect(Set(rows.flatMap(\.keys)) == ["layer", "neuron", "relation", "sign", "rank", "related", "weight", "up"])
    #expect(rows.filter { $0["relation"] as? String == "output token" }.allSatisfy { $0["up"] is NSNull })
    #expect(rows.filter { $0["relation"] as? String == "input token" }.allSatisfy { $0["up"] is Double })
    let csv = try String(contentsOfFile: dir + "/rel.csv", encoding: .utf8)
    #expect(csv.hasPrefix("layer,neuron,relation,sign,rank,related,weight,up\n0,5,downstream,+,1,"), "\(csv.prefix(200))")

    let set = try String(contentsOfFile: dir + "/set.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(set.count == 2)
    for line in set {
      let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let a = try #require(o["activation_tokens"] as? [String: Any])
      let tokens = try #require(a["tokens"] as? [String]), means = try #require(a["average_activations"] as? [Double])
      #expect(!tokens.isEmpty && tokens.count <= 20 && tokens.count == means.count)
      #expect(means == means.sorted(by: >) && means.allSatisfy { $0 > 0 })
    }

    let second = try CommandRunner.nxp(["run", "r.nxp", "--summary"], in: dir)
    #expect(second.status == 0, "\(second)")
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("[0 computed,"), "re-run recomputed something: \(second.stderr)")
  }

  /// The key covers the model file's content: new weights under the same path recompute.
  @Test func newWeightsUnderTheSamePathRecompute() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-related-key")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try PythonReference.run("gpt2_reference.py", ["write", dir + "/model", "31"])
    try "show related(load(\"model/model.gguf\"), 1:3, top: 2, tokens: 2) |> table\n"
      .write(toFile: dir + "/k.nxp", atomically: true, encoding: .utf8)
    let first = try CommandRunner.nxp(["run", "k.nxp", "--summary"], in: dir)
    #expect(first.status == 0, "\(first)")
    #expect(first.stdout.contains("upstream") && first.stdout.contains("output token"), "\(first.stdout)")
    let cached = try CommandRunner.nxp(["run", "k.nxp", "--summary"], in: dir)
    #expect(cached.stderr.contains("[0 computed,"), "\(cached.stderr)")
    _ = try PythonReference.run("gpt2_reference.py", ["write", dir + "/model", "32"])
    let changed = try CommandRunner.nxp(["run", "k.nxp", "--summary"], in: dir)
    #expect(changed.status == 0, "\(changed)")
    #expect(!changed.stderr.contains("[0 computed,"), "\(changed.stderr)")
    #expect(changed.stdout != first.stdout)
  }

  @Test func neuronsOutsideTheModelAreClearErrors() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-related-bad")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let cases = [
      ("related(model, 6:1536)", "related: neuron 6:1536 does not exist: smollm2-135m's layers have 1536 neurons (0..<1536)"),
      ("related(model, [3:1, 30:0])", "related: neuron 30:0 is in layer 30, but smollm2-135m has layers 0..<30"),
      ("related(model, [3:1, 3:1])", "related: neuron 3:1 is listed twice"),
      ("related(model, layer: -1)", "related: layer -1 is outside 0..<30 of smollm2-135m"),
      ("related(model)", "related: give the neurons (6:123, a list, a neuron set) or `layer:`"),
      ("related(model, 2:2, top: 0)", "`top:` of related must be positive, got 0"),
    ]
    for (call, message) in cases {
      try "model = load(\"smollm2-135m\")\nshow \(call)\n".write(toFile: dir + "/b.nxp", atomically: true, encoding: .utf8)
      let r = try CommandRunner.nxp(["run", "b.nxp"], in: dir)
      #expect(r.status == 70, "\(call): \(r)")
      #expect(r.stderr.contains("b.nxp:2:6: error: \(message)"), "\(call): \(r.stderr)")
    }
  }
}
