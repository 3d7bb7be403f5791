import Foundation
import NxpCore
import NxpInterp
import NxpRuntime
import NxpTestSupport
import Testing

/// `neuronRecords` reads neuron-explainer's NeuronRecord files as a neuron set, and
/// `save(..., format: "neuron-explainer")` writes them.
@Suite(.serialized) struct NeuronRecordsTests {
  /// A record whose excerpts are 3 tokens long, `top` top records with descending peaks and
  /// `random` random ones; excerpt texts name the neuron, the kind and the rank.
  static func record(_ layer: Int, _ index: Int, top: Int = 8, random: Int = 6, length: Int = 3) -> NeuronRecord {
    func excerpt(_ kind: String, _ i: Int, peak: Float) -> ActivationRecord {
      let tokens = (0..<length).map { " \(kind)\(layer).\(index).\(i).\($0)" }
      return ActivationRecord(tokens: tokens, activations: (0..<length).map { $0 == 1 ? peak : 0.25 }, excerpt: -1)
    }
    return NeuronRecord(
      id: NeuronID(layer: layer, index: index),
      mostPositiveActivationRecords: (0..<top).map { excerpt("t", $0, peak: Float(20 - $0)) },
      randomSample: (0..<random).map { excerpt("r", $0, peak: 0.5) },
      randomSampleByQuantile: [[excerpt("q", 0, peak: 1)]],
      stats: NeuronStats(
        mean: 0.5, variance: 2, skewness: 1, kurtosis: 3, maxActivation: 20, quantileLevels: [0, 0.5, 0.9, 0.99, 0.999],
        quantileBoundaries: [0, 1, 2, 3, 20]))
  }

  static func write(_ r: NeuronRecord, _ path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try NeuronExplainerFormat.encode(r).write(to: URL(fileURLWithPath: path))
  }

  /// The value bound to `name` after running `script`.
  static func value(_ f: ScriptFixture, _ script: String, _ name: String) throws -> Value {
    let g = try f.graph(script)
    guard case .node(let n)? = g.bindings[name] else { throw TestSupportError("\(name) is not a node") }
    return try f.session.evaluator.value(n)
  }

  static func set(_ f: ScriptFixture, _ script: String, _ name: String = "top") throws -> NeuronSet {
    guard case .object(let o) = try value(f, script, name), let s = o as? NeuronSet else { throw TestSupportError("not a neuron set") }
    return s
  }

  static func failure(_ f: ScriptFixture, _ script: String) -> String {
    do {
      _ = try f.run(script)
      return "no error"
    } catch let e as RuntimeFailure {
      return e.message
    } catch {
      return "\(error)"
    }
  }

  // MARK: - Reading

  @Test func aFolderOfFilesIsSplitAsTopkSplits() throws {
    let f = try ScriptFixture()
    try Self.write(Self.record(1, 0), f.dir + "/acts/1/0.json")
    try Self.write(Self.record(0, 3), f.dir + "/acts/0/3.json")
    try "not a record".write(toFile: f.dir + "/acts/.hidden.json", atomically: true, encoding: .utf8)
    let set = try Self.set(f, "top = neuronRecords(\"acts\")\nshow top\n")
    #expect(set.neurons == [NeuronID(layer: 0, index: 3), NeuronID(layer: 1, index: 0)])
    #expect(set.options.k == 8 && set.options.random == 6 && set.options.perSplit == 2)
    let s = set.splits(at: 0)
    let r = Self.record(0, 3)
    let top = r.mostPositiveActivationRecords, random = r.randomSample
    #expect(s.train.map(\.tokens) == [top[0], top[4]].map(\.tokens))
    #expect(s.calibration.map(\.tokens) == [top[1], top[5], random[0], random[3]].map(\.tokens))
    #expect(s.test.map(\.activations) == [top[3], top[7], random[2], random[5]].map(\.activations))
    #expect(s.stats.maxActivation == 20 && s.stats.quantileBoundaries == [0, 1, 2, 3, 20])
    // Excerpts are numbered in the order they are first met.
    #expect(s.train.map(\.excerpt) == [0, 4])
    #expect(set.summary.hasPrefix("NeuronSet: 2 neurons of neuron-explainer records 'acts', 2 top excerpts"))
  }

  @Test func aSingleFileAndExplicitCountsWork() throws {
    let f = try ScriptFixture()
    try Self.write(Self.record(21, 2932, top: 20, random: 20), f.dir + "/2932.json")
    let set = try Self.set(f, "top = neuronRecords(\"2932.json\", k: 8, random: 3)\n")
    #expect(set.options.perSplit == 1)
    #expect(set.splits(at: 0).valid.count == 2)
  }

  @Test func editingAFileChangesTheKey() throws {
    let f = try ScriptFixture()
    try Self.write(Self.record(0, 1), f.dir + "/acts/0/1.json")
    let script = "top = neuronRecords(\"acts\")\n"
    let before = try f.keys(script)["top"]
    #expect(try f.keys(script)["top"] == before)
    var changed = Self.record(0, 1)
    changed.mostPositiveActivationRecords[0].activations[1] = 30
    try Self.write(changed, f.dir + "/acts/0/1.json")
    #expect(try f.keys(script)["top"] != before)
    try Self.write(Self.record(0, 2), f.dir + "/acts/0/2.json")
    #expect(try f.keys(script)["top"] != before)
  }

  @Test func badInputsAreNamedWithTheFileAndField() throws {
    let f = try ScriptFixture()
    #expect(try f.errors("show neuronRecords(\"nowhere\")\n").contains("neuronRecords: no such file or folder 'nowhere'"))
    try FileManager.default.createDirectory(atPath: f.dir + "/empty", withIntermediateDirectories: true)
    #expect(try f.errors("show neuronRecords(\"empty\")\n").contains("neuronRecords: the folder 'empty' holds no .json files"))

    try Self.write(Self.record(0, 1), f.dir + "/a/0/1.json")
    try
      "{\"dataclass_name\": \"NeuronRecord\", \"neuron_id\": {\"layer_index\": 0, \"neuron_index\": 2}, \"random_sample\": [{\"activations\": [1]}]}"
      .write(toFile: f.dir + "/a/0/2.json", atomically: true, encoding: .utf8)
    #expect(
      Self.failure(f, "show neuronRecords(\"a\")\n")
        == "neuronRecords: 0/2.json: `random_sample[0]` needs `tokens` and `activations`")
    try "{\"dataclass_name\": \"NeuronSimulationResults\"}".write(toFile: f.dir + "/a/0/2.json", atomically: true, encoding: .utf8)
    #expect(Self.failure(f, "show neuronRecords(\"a\")\n") == "neuronRecords: 0/2.json holds a NeuronSimulationResults, not a NeuronRecord")

    try Self.write(Self.record(0, 2, length: 4), f.dir + "/a/0/2.json")
    #expect(
      Self.failure(f, "show neuronRecords(\"a\")\n")
        == "neuronRecords: 0/2.json `most_positive_activation_records[0]` has 4 tokens but 0/1.json `most_positive_activation_records[0]` has 3: "
        + "the records mix excerpt lengths (different tokenisations?), and a neuron set needs one length; load them separately")

    try Self.write(Self.record(0, 1), f.dir + "/a/0/2.json")
    #expect(Self.failure(f, "show neuronRecords(\"a\")\n") == "neuronRecords: 0/1.json and 0/2.json both hold neuron 0:1")

    try Self.write(Self.record(0, 2, top: 5), f.dir + "/a/0/2.json")
    #expect(
      Self.failure(f, "show neuronRecords(\"a\", k: 8)\n")
        == "neuronRecords: k is 8 but 0/2.json has only 5 `most_positive_activation_records`; use k: 5 or less")
    #expect(
      Self.failure(f, "show neuronRecords(\"a\", random: 9)\n")
        == "neuronRecords: random is 9 but 0/1.json has only 6 `random_sample` records; use random: 6 or less")
    try Self.write(Self.record(0, 2, top: 3), f.dir + "/a/0/2.json")
    #expect(
      Self.failure(f, "show neuronRecords(\"a\")\n")
        == "neuronRecords: 3 top records per neuron cannot fill the 4 splits (train, calibration, valid, test); 0/2.json has 3 `most_positive_activation_records`"
    )
  }

  // MARK: - Writing

  @Test func saveRejectsWhatItCannotWrite() throws {
    let f = try ScriptFixture()
    try Self.write(Self.record(0, 1), f.dir + "/a/0/1.json")
    try Self.write(Self.record(0, 2), f.dir + "/a/0/2.json")
    #expect(
      Self.failure(f, "save(neuronRecords(\"a\"), to: \"out\", format: \"openai\")\n")
        == "save: unknown format \"openai\"; the one format is \"neuron-explainer\"")
    #expect(
      Self.failure(f, "save(neuronRecords(\"a\"), to: \"one.json\", format: \"neuron-explainer\")\n")
        == "save: 'one.json' is one file but there are 2 neurons; give a folder to write {layer}/{neuron}.json in")
    #expect(
      Self.failure(f, "save(3, to: \"out\", format: \"neuron-explainer\")\n")
        == "save: the neuron-explainer format holds neuron sets and records; got Int")
  }

  /// What the pipeline tests record with the default model.
  static let script = """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 16, limit: 40, seed: 1)
    acts = record(model, texts, layers: [0, 2], top: 8, random: 6, perQuantile: 2)
    top = topk(acts, k: 8, random: 6) |> neurons(layer: 2, indices: [5, 1, 9])

    """

  @Test func recordedSplitsSurviveSavingAndLoading() throws {
    _ = try TestEnvironment.defaultModelPath()
    let f = try ScriptFixture()
    _ = try f.run(
      Self.script + "save(top, to: \"ne\", format: \"neuron-explainer\")\nsave(acts[2:9], to: \"one.json\", format: \"neuron-explainer\")\n"
    )
    let original = try Self.set(f, Self.script)
    let loaded = try Self.set(f, "top = neuronRecords(\"ne\")\n")
    #expect(loaded.neurons == [NeuronID(layer: 2, index: 1), NeuronID(layer: 2, index: 5), NeuronID(layer: 2, index: 9)])
    #expect(loaded.options == original.options)
    for (i, id) in original.neurons.enumerated() {
      let a = original.splits(at: i)
      let b = loaded.splits(at: loaded.neurons.firstIndex(of: id)!)
      for ((name, x), (_, y)) in zip(a.named, b.named) {
        #expect(x.map(\.tokens) == y.map(\.tokens), "\(id) \(name)")
        #expect(x.map(\.activations) == y.map(\.activations), "\(id) \(name)")
      }
      #expect(a.stats.maxActivation == b.stats.maxActivation)
      #expect(a.stats.quantileBoundaries == b.stats.quantileBoundaries)
      #expect(a.stats.mean == b.stats.mean && a.stats.kurtosis == b.stats.kurtosis)
    }

    // The set read back from the cache by a new session writes the same files.
    try (Self.script + "save(top, to: \"ne2\", format: \"neuron-explainer\")\n").write(
      toFile: f.dir + "/again.nxp", atomically: true, encoding: .utf8)
    let fresh = f.freshSession()
    _ = try f.run(file: "again.nxp", in: fresh)
    #expect(fresh.evaluator.computed.isEmpty)
    for n in [1, 5, 9] {
      #expect(
        FileManager.default.contents(atPath: f.dir + "/ne/2/\(n).json") == FileManager.default.contents(atPath: f.dir + "/ne2/2/\(n).json"))
    }

    // Python's plain json sees neuron-explainer's schema, and the same numbers.
    let summary = try PythonReference.run("neuron_record_reference.py", ["check", f.dir + "/ne/2/5.json"])
    struct Summary: Decodable {
      var id: [Int]
      var top_tokens: [[String]]
      var top_acts: [[Double]]
      var buckets: [Int]
    }
    let s = try JSONDecoder().decode(Summary.self, from: summary)
    let five = original.splits(at: 0)
    #expect(s.id == [2, 5])
    #expect(s.top_tokens.count == 8 && s.buckets == [])
    // Rank 0 and 1 are the first records of train and calibration.
    #expect(s.top_tokens[0] == five.train[0].tokens && s.top_tokens[1] == five.calibration[0].tokens)
    #expect(s.top_acts[0].map(Float.init) == five.train[0].activations)

    // A full record keeps its quantile samples.
    let one = try NeuronExplainerFormat.decode(try Data(contentsOf: URL(fileURLWithPath: f.dir + "/one.json")), source: "one.json")
    #expect(one.id == NeuronID(layer: 2, index: 9))
    #expect(one.mostPositiveActivationRecords.count == 8 && one.randomSample.count == 6)
    #expect(!one.randomSampleByQuantile.isEmpty)
    #expect(one.mostPositiveActivationRecords.map(\.tokens) == (0..<8).map { original.splits(at: 2).named[$0 % 4].records[$0 / 4].tokens })
  }
}
