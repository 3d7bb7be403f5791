import Foundation
import NxpCore
import NxpInterp

/// Neurons with their activation records split for explaining and scoring (`topk`, `neurons`):
/// per neuron a train split of top excerpts, and calibration, valid and test splits of top and
/// random excerpts, as neuron-explainer splits them.
public final class NeuronSet: RuntimeObject {
  /// One excerpt's activations for one neuron; `excerpt` indexes the recorded excerpts.
  struct Entry {
    var excerpt: Int32
    var activations: [Float]
  }

  public static let splitNames = ["train", "calibration", "valid", "test"]

  public let neurons: [NeuronID]
  public let stats: [NeuronStats]
  public let options: SplitOptions
  /// [neuron][split] -> entries.
  let entries: [[[Entry]]]
  /// How many top records each neuron's splits took in all (the rest are random records): split
  /// s starts with `options.topRanks(split: s, available: topTaken[i])` and ends with random ones.
  let topTaken: [Int]
  /// Token ids of every excerpt an entry refers to.
  let excerptTokens: [Int32: [Int32]]
  let vocabulary: [Int32: String]
  public let modelName: String
  public let tokensPerExcerpt: Int
  /// Units per layer of the model, so selections can check indices.
  public let neuronsPerLayer: Int

  init(
    neurons: [NeuronID], stats: [NeuronStats], options: SplitOptions, entries: [[[Entry]]], topTaken: [Int],
    excerptTokens: [Int32: [Int32]], vocabulary: [Int32: String], modelName: String, tokensPerExcerpt: Int, neuronsPerLayer: Int
  ) {
    self.neuronsPerLayer = neuronsPerLayer
    self.neurons = neurons
    self.stats = stats
    self.options = options
    self.entries = entries
    self.topTaken = topTaken
    self.excerptTokens = excerptTokens
    self.vocabulary = vocabulary
    self.modelName = modelName
    self.tokensPerExcerpt = tokensPerExcerpt
  }

  /// Splits `ids` of `records` with `options` (what `topk` returns).
  public convenience init(records: Records, options: SplitOptions, neurons ids: [NeuronID]) {
    let r = records.records
    var entries: [[[Entry]]] = []
    var topTaken: [Int] = []
    var used = Set<Int32>()
    for id in ids {
      let top = r.topRecords(of: id)
      topTaken.append(min(options.perSplit * 4, top.count))
      let random = Array(r.randomRecords(of: id).prefix(options.random))
      func entry(_ x: (excerpt: Int, activations: ArraySlice<Float>)) -> Entry {
        used.insert(Int32(x.excerpt))
        return Entry(excerpt: Int32(x.excerpt), activations: Array(x.activations))
      }
      entries.append(options.deal(top: top, random: random, entry))
    }
    let t = records.excerpts.tokensPerExcerpt
    var tokens: [Int32: [Int32]] = [:]
    var vocab: [Int32: String] = [:]
    for e in used {
      let row = Array(records.excerpts.ids[(Int(e) * t)..<((Int(e) + 1) * t)])
      tokens[e] = row
      for id in row where vocab[id] == nil { vocab[id] = records.excerpts.tokenText(id) }
    }
    self.init(
      neurons: ids, stats: ids.map { r.stats(of: $0) }, options: options, entries: entries, topTaken: topTaken, excerptTokens: tokens,
      vocabulary: vocab, modelName: records.modelName, tokensPerExcerpt: t, neuronsPerLayer: r.configuration.neuronsPerLayer)
  }

  /// The same set restricted to some of its neurons, in the given order.
  func subset(_ positions: [Int]) -> NeuronSet {
    let kept = positions.map { entries[$0] }
    var used = Set<Int32>()
    for n in kept { for s in n { for e in s { used.insert(e.excerpt) } } }
    return NeuronSet(
      neurons: positions.map { neurons[$0] }, stats: positions.map { stats[$0] }, options: options, entries: kept,
      topTaken: positions.map { topTaken[$0] }, excerptTokens: excerptTokens.filter { used.contains($0.key) }, vocabulary: vocabulary,
      modelName: modelName, tokensPerExcerpt: tokensPerExcerpt, neuronsPerLayer: neuronsPerLayer)
  }

  /// How many of the records of split `split` (0 train ... 3 test) of the neuron at `position`
  /// are top ones; the rest are random.
  func topCount(at position: Int, split: Int) -> Int {
    options.topRanks(split: split, available: topTaken[position]).count
  }

  /// The splits of the neuron at `position`, with token text.
  public func splits(at position: Int) -> NeuronSplits {
    func record(_ e: Entry) -> ActivationRecord {
      let ids = excerptTokens[e.excerpt] ?? []
      return ActivationRecord(tokens: ids.map { vocabulary[$0] ?? "<\($0)>" }, activations: e.activations, excerpt: Int(e.excerpt))
    }
    let s = entries[position].map { $0.map(record) }
    return NeuronSplits(id: neurons[position], train: s[0], calibration: s[1], valid: s[2], test: s[3], stats: stats[position])
  }

  public static let typeName = "NeuronSet"
  public var summary: String {
    "NeuronSet: \(neurons.count) neuron\(neurons.count == 1 ? "" : "s") of \(modelName), \(options.perSplit) top excerpts to explain from and \(options.perSplit) top + \(options.random > 0 ? options.perSplit : 0) random in each of calibration, valid and test"
  }

  public func render(_ style: RenderStyle) -> String {
    if neurons.count == 1 {
      return style.activationRenderer.render(splits(at: 0))
    }
    var out = summary + "\n"
    out += asTable().render(style)
    if let first = neurons.first { out += "(index the set with a neuron, as in top[\(first)], to see its excerpts)\n" }
    return out
  }
}

extension NeuronSet: Sliceable, Tabular, PositionIndexable, NeuronIndexable {
  public static let itemType = ValueType.neuronSet
  public static let itemNoun = "neuron"
  public static let neuronItemType = ValueType.neuronSet
  public var itemCount: Int { neurons.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject { subset(Array(range)) }
  public func item(at index: Int) throws -> Value { .object(subset([index])) }

  public func neuron(_ id: NeuronID) throws -> RuntimeObject {
    guard let i = neurons.firstIndex(of: id) else {
      var message = "neuron \(id) is not in this set of \(neurons.count)"
      if neurons.count <= 8 { message += " (\(neurons.map(\.description).joined(separator: ", ")))" }
      throw UserError(message)
    }
    return subset([i])
  }

  /// One row per neuron: statistics and the token its strongest excerpt peaks on.
  public func asTable() -> Table {
    var rows: [[Value]] = []
    for (i, id) in neurons.enumerated() {
      let s = stats[i]
      var peak = ""
      if let best = entries[i][0].first, let tokens = excerptTokens[best.excerpt],
        let j = best.activations.indices.max(by: { best.activations[$0] < best.activations[$1] })
      {
        peak = vocabulary[tokens[j]] ?? ""
      }
      rows.append(NeuronStatsColumns.cells(id, s) + [.string(peak)])
    }
    return Table(columns: NeuronStatsColumns.columns + [.init("peak token", .string)], rows: rows)
  }
}

extension NeuronSet: CacheCodable {
  public static let typeTag = "neuron-set"

  public func encode() throws -> [String: Data] {
    let n = neurons.count, t = tokensPerExcerpt
    var arrays: [String: RecordArray] = [:]
    arrays["neurons"] = RecordArray(shape: [n, 2], .int32(neurons.flatMap { [Int32($0.layer), Int32($0.index)] }))
    for (s, name) in NeuronSet.splitNames.enumerated() {
      let width = entries.map { $0[s].count }.max() ?? 0
      var ids = [Int32](repeating: -1, count: n * width)
      var acts = [Float](repeating: 0, count: n * width * t)
      for i in 0..<n {
        for (j, e) in entries[i][s].enumerated() {
          ids[i * width + j] = e.excerpt
          acts.replaceSubrange(((i * width + j) * t)..<((i * width + j + 1) * t), with: e.activations)
        }
      }
      arrays["split.\(name).excerpts"] = RecordArray(shape: [n, width], .int32(ids))
      arrays["split.\(name).acts"] = RecordArray(shape: [n, width, t], .float32(acts))
    }
    arrays["split.topTaken"] = RecordArray(shape: [n], .int32(topTaken.map(Int32.init)))
    arrays["stats.mean"] = RecordArray(shape: [n], .float64(stats.map(\.mean)))
    arrays["stats.variance"] = RecordArray(shape: [n], .float64(stats.map(\.variance)))
    arrays["stats.skewness"] = RecordArray(shape: [n], .float64(stats.map(\.skewness)))
    arrays["stats.kurtosis"] = RecordArray(shape: [n], .float64(stats.map(\.kurtosis)))
    arrays["stats.max"] = RecordArray(shape: [n], .float32(stats.map(\.maxActivation)))
    let b = stats.first?.quantileBoundaries.count ?? 0
    arrays["stats.boundaries"] = RecordArray(shape: [n, b], .float32(stats.flatMap(\.quantileBoundaries)))
    let excerptIDs = excerptTokens.keys.sorted()
    arrays["excerpts.index"] = RecordArray(shape: [excerptIDs.count], .int32(excerptIDs))
    arrays["excerpts.tokens"] = RecordArray(shape: [excerptIDs.count, t], .int32(excerptIDs.flatMap { excerptTokens[$0]! }))
    let metadata = [
      "options": String(decoding: try JSONEncoder().encode(options), as: UTF8.self),
      "quantile_levels": try jsonString(stats.first?.quantileLevels ?? []),
      "vocabulary": try jsonString(Dictionary(uniqueKeysWithValues: vocabulary.map { (String($0.key), $0.value) })),
      "model": modelName,
      "neurons_per_layer": String(neuronsPerLayer),
    ]
    return ["value.safetensors": try SafeTensorsArrays.encode(arrays, metadata: metadata)]
  }

  public static func decode(_ files: [String: String]) throws -> NeuronSet {
    guard let path = files["value.safetensors"] else { throw UserError("cached neuron set is missing its file") }
    let (a, m) = try SafeTensorsArrays.decode(path: path)
    func ints(_ k: String) throws -> ([Int32], [Int]) {
      guard let x = a[k], let v = x.int32s else { throw UserError("cached neuron set: '\(k)' is missing") }
      return (v, x.shape)
    }
    func floats(_ k: String) throws -> ([Float], [Int]) {
      guard let x = a[k], let v = x.float32s else { throw UserError("cached neuron set: '\(k)' is missing") }
      return (v, x.shape)
    }
    func doubles(_ k: String) throws -> [Double] {
      guard let x = a[k], case .float64(let v) = x.storage else { throw UserError("cached neuron set: '\(k)' is missing") }
      return v
    }
    guard let optionsText = m["options"], let options = try? JSONDecoder().decode(SplitOptions.self, from: Data(optionsText.utf8)),
      let levels = try JSONSerialization.jsonObject(with: Data((m["quantile_levels"] ?? "[]").utf8)) as? [Double],
      let vocabJSON = try JSONSerialization.jsonObject(with: Data((m["vocabulary"] ?? "{}").utf8)) as? [String: String]
    else { throw UserError("cached neuron set: metadata is damaged") }
    let (nids, _) = try ints("neurons")
    let n = nids.count / 2
    let neurons = (0..<n).map { NeuronID(layer: Int(nids[2 * $0]), index: Int(nids[2 * $0 + 1])) }
    let (tokens, tshape) = try ints("excerpts.tokens")
    let t = tshape.count == 2 ? tshape[1] : 0
    let (index, _) = try ints("excerpts.index")
    var excerptTokens: [Int32: [Int32]] = [:]
    for (i, e) in index.enumerated() { excerptTokens[e] = Array(tokens[(i * t)..<((i + 1) * t)]) }
    var entries = [[[Entry]]](repeating: [], count: n)
    for name in splitNames {
      let (ids, shape) = try ints("split.\(name).excerpts")
      let (acts, _) = try floats("split.\(name).acts")
      let width = shape.count == 2 ? shape[1] : 0
      for i in 0..<n {
        var list: [Entry] = []
        for j in 0..<width where ids[i * width + j] >= 0 {
          list.append(Entry(excerpt: ids[i * width + j], activations: Array(acts[((i * width + j) * t)..<((i * width + j + 1) * t)])))
        }
        entries[i].append(list)
      }
    }
    // Values cached before `topTaken` was kept: every split is assumed full.
    let topTaken =
      a["split.topTaken"]?.int32s.map { $0.map(Int.init) }
      ?? entries.map { splits in
        splits.enumerated().map { s, list in min(list.count, options.topRanks(split: s, available: options.perSplit * 4).count) }
          .reduce(0, +)
      }
    guard topTaken.count == n else { throw UserError("cached neuron set: 'split.topTaken' is damaged") }
    let mean = try doubles("stats.mean"), variance = try doubles("stats.variance")
    let skew = try doubles("stats.skewness"), kurt = try doubles("stats.kurtosis")
    let (mx, _) = try floats("stats.max")
    let (bounds, bshape) = try floats("stats.boundaries")
    let b = bshape.count == 2 ? bshape[1] : 0
    let stats = (0..<n).map {
      NeuronStats(
        mean: mean[$0], variance: variance[$0], skewness: skew[$0], kurtosis: kurt[$0], maxActivation: mx[$0],
        quantileLevels: levels, quantileBoundaries: Array(bounds[($0 * b)..<(($0 + 1) * b)]))
    }
    var vocabulary: [Int32: String] = [:]
    for (k, v) in vocabJSON { if let id = Int32(k) { vocabulary[id] = v } }
    return NeuronSet(
      neurons: neurons, stats: stats, options: options, entries: entries, topTaken: topTaken, excerptTokens: excerptTokens,
      vocabulary: vocabulary,
      modelName: m["model"] ?? "?", tokensPerExcerpt: t, neuronsPerLayer: Int(m["neurons_per_layer"] ?? "") ?? 0)
  }
}
