import Foundation
import NxpCore
import NxpInterp

/// Neuron sets to and from neuron-explainer's `NeuronRecord` files.
extension NeuronSet {
  /// Splits records read from neuron-explainer files as `topk` splits recorded ones: each file's
  /// top records in the order the file lists them (highest first in the released data), its
  /// random sample in file order. The files hold no excerpt numbers: excerpts are numbered in the
  /// order their token sequences first appear, an identical sequence sharing one number, and
  /// tokens get ids the same way. Every record must have `tokensPerExcerpt` tokens.
  convenience init(neuronExplainer records: [NeuronRecord], options: SplitOptions, tokensPerExcerpt: Int, origin: String) {
    var excerptNumber: [[String]: Int32] = [:]
    var tokenID: [String: Int32] = [:]
    var excerptTokens: [Int32: [Int32]] = [:]
    var vocabulary: [Int32: String] = [:]
    func entry(_ r: ActivationRecord) -> Entry {
      if let e = excerptNumber[r.tokens] { return Entry(excerpt: e, activations: r.activations) }
      let e = Int32(excerptNumber.count)
      excerptNumber[r.tokens] = e
      excerptTokens[e] = r.tokens.map { t in
        if let id = tokenID[t] { return id }
        let id = Int32(tokenID.count)
        tokenID[t] = id
        vocabulary[id] = t
        return id
      }
      return Entry(excerpt: e, activations: r.activations)
    }
    var entries: [[[Entry]]] = []
    var topTaken: [Int] = []
    for record in records {
      let top = record.mostPositiveActivationRecords
      let random = Array(record.randomSample.prefix(options.random))
      topTaken.append(min(options.perSplit * 4, top.count))
      // Number the excerpts the splits use in file order (top by rank, then random).
      for r in top.prefix(options.perSplit * 4) { _ = entry(r) }
      for r in random.prefix(options.random > 0 ? options.perSplit * 3 : 0) { _ = entry(r) }
      entries.append(options.deal(top: top, random: random, entry))
    }
    self.init(
      neurons: records.map(\.id), stats: records.map(\.stats), options: options, entries: entries, topTaken: topTaken,
      excerptTokens: excerptTokens, vocabulary: vocabulary, modelName: origin, tokensPerExcerpt: tokensPerExcerpt,
      // The files do not say how wide a layer is; the largest index seen bounds it from below.
      neuronsPerLayer: (records.map(\.id.index).max() ?? -1) + 1)
  }

  /// The neuron at `position` as a neuron-explainer record: the top records its splits took, in
  /// rank order, then its random records in the order they were drawn. The quantile samples are
  /// not part of a neuron set and are written empty.
  func neuronRecord(at position: Int) -> NeuronRecord {
    let splits = splits(at: position)
    let parts = [splits.train, splits.calibration, splits.valid, splits.test]
    let topCounts = (0..<4).map { topCount(at: position, split: $0) }
    var top: [ActivationRecord] = []
    for rank in 0..<topCounts.reduce(0, +) { top.append(parts[rank % 4][rank / 4]) }
    let randomParts = (1..<4).map { Array(parts[$0].dropFirst(topCounts[$0])) }
    var random: [ActivationRecord] = []
    for rank in 0..<randomParts.map(\.count).reduce(0, +) { random.append(randomParts[rank % 3][rank / 3]) }
    return NeuronRecord(
      id: neurons[position], mostPositiveActivationRecords: top, randomSample: random, randomSampleByQuantile: [],
      stats: stats[position])
  }
}
