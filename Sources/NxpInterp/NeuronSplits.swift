import Foundation
import NxpCore

// MARK: - Split options

/// How a neuron's records are divided into the splits of neuron-explainer: the top `k` records,
/// highest first, interleaved over train, calibration, valid and test (split i takes ranks i,
/// i+4, i+8, ...), and the first `random` random records interleaved over calibration, valid and
/// test (ranks i, i+3, ...). Each split gets `perSplit` of each kind, by default as many as keeps
/// top and random 1:1: min(k / 4, random / 3), so k = 20, random = 20 gives 5 + 5 per split
/// (the paper's setting) with 5 random records to spare.
public struct SplitOptions: Hashable, Sendable, Codable {
  public var k: Int
  public var random: Int
  public var perSplit: Int

  public static let topSplits = ["train", "calibration", "valid", "test"]
  public static let randomSplits = ["calibration", "valid", "test"]

  /// Validates the counts against what the records keep (`keptTop`, `keptRandom`).
  public init(k: Int = 20, random: Int = 20, perSplit: Int? = nil, keptTop: Int, keptRandom: Int) throws {
    guard k >= 4 else { throw UserError("topk: k must be at least 4 (one record per split), got \(k)") }
    guard random == 0 || random >= 3 else {
      throw UserError("topk: random must be 0 or at least 3 (one record per split), got \(random)")
    }
    guard k <= keptTop else {
      throw UserError(
        "topk: k is \(k) but the records keep only \(keptTop) top excerpts per neuron; record with top: \(k) or more")
    }
    guard random <= keptRandom else {
      throw UserError(
        "topk: random is \(random) but the records keep only \(keptRandom) random excerpts per neuron; "
          + "record with random: \(random) or more")
    }
    let most = random >= 3 ? min(k / 4, random / 3) : k / 4
    let per = perSplit ?? most
    guard per >= 1 else { throw UserError("topk: perSplit must be at least 1, got \(per)") }
    guard per * 4 <= k else {
      throw UserError("topk: perSplit \(per) needs k >= \(per * 4) (4 splits of top records), got k: \(k)")
    }
    guard random == 0 || per * 3 <= random else {
      throw UserError(
        "topk: perSplit \(per) needs random >= \(per * 3) (3 splits of random records), got random: \(random)")
    }
    self.k = k
    self.random = random
    self.perSplit = per
  }

  /// Ranks of the sorted top records that split `index` (0 train ... 3 test) takes.
  public func topRanks(split index: Int, available: Int) -> [Int] {
    stride(from: index, to: min(perSplit * 4, available), by: 4).map { $0 }
  }

  /// Ranks of the random records that split `index` (0 calibration, 1 valid, 2 test) takes.
  public func randomRanks(split index: Int, available: Int) -> [Int] {
    guard random > 0 else { return [] }
    return stride(from: index, to: min(perSplit * 3, available), by: 3).map { $0 }
  }

  /// The four splits (train, calibration, valid, test) dealt from a neuron's top records, in rank
  /// order, and its random ones: each split's top records first, then its random ones. `take`
  /// sees only the records a split uses.
  public func deal<Record, Taken>(top: [Record], random: [Record], _ take: (Record) -> Taken) -> [[Taken]] {
    (0..<4).map { s in
      var list = topRanks(split: s, available: top.count).map { take(top[$0]) }
      if s > 0 { list += randomRanks(split: s - 1, available: random.count).map { take(random[$0]) } }
      return list
    }
  }
}

// MARK: - One neuron's splits

/// A neuron's records divided for explaining (train: top only), calibrating, scoring (valid)
/// and final testing; the last three hold top records first, then random ones.
public struct NeuronSplits: Hashable, Sendable, Codable {
  public var id: NeuronID
  public var train: [ActivationRecord]
  public var calibration: [ActivationRecord]
  public var valid: [ActivationRecord]
  public var test: [ActivationRecord]
  public var stats: NeuronStats

  public init(
    id: NeuronID, train: [ActivationRecord], calibration: [ActivationRecord], valid: [ActivationRecord],
    test: [ActivationRecord], stats: NeuronStats
  ) {
    self.id = id
    self.train = train
    self.calibration = calibration
    self.valid = valid
    self.test = test
    self.stats = stats
  }

  /// The splits by name, in order.
  public var named: [(name: String, records: [ActivationRecord])] {
    [("train", train), ("calibration", calibration), ("valid", valid), ("test", test)]
  }
}

// MARK: - A set of neurons

/// The split records of a set of neurons (what `topk` returns and `neurons` narrows). Records are
/// turned into text on access, so selecting a few neurons out of tens of thousands is cheap.
public struct NeuronActivationSet: Sendable {
  public let records: NeuronRecords
  public let tokens: ExcerptTokens
  public let options: SplitOptions
  /// The neurons in the set, in order.
  public let neurons: [NeuronID]

  init(records: NeuronRecords, tokens: ExcerptTokens, options: SplitOptions, neurons: [NeuronID]) {
    self.records = records
    self.tokens = tokens
    self.options = options
    self.neurons = neurons
  }

  public var count: Int { neurons.count }

  /// The same records and options with another list of neurons (all must be in the records).
  public func with(neurons ids: [NeuronID]) -> NeuronActivationSet {
    precondition(ids.allSatisfy(records.contains), "neurons outside the records")
    return NeuronActivationSet(records: records, tokens: tokens, options: options, neurons: ids)
  }

  public subscript(i: Int) -> NeuronSplits { splits(of: neurons[i]) }

  /// Every neuron's splits, in order.
  public var all: [NeuronSplits] { neurons.map(splits(of:)) }

  /// The splits of one neuron of the records (in the set or not).
  public func splits(of id: NeuronID) -> NeuronSplits {
    func make(_ r: (excerpt: Int, activations: ArraySlice<Float>)) -> ActivationRecord {
      ActivationRecord(
        tokens: tokens.tokens(ofExcerpt: r.excerpt), activations: Array(r.activations), excerpt: r.excerpt)
    }
    let top = records.topRecords(of: id)
    let random = Array(records.randomRecords(of: id).prefix(options.random))
    let s = options.deal(top: top, random: random, make)
    return NeuronSplits(id: id, train: s[0], calibration: s[1], valid: s[2], test: s[3], stats: records.stats(of: id))
  }
}

// MARK: - topk

/// Divides every recorded neuron's records into train/calibration/valid/test splits (see
/// `SplitOptions`), with token text from `tokens`. Throws a `UserError` when k or random ask for
/// more records than were kept, naming the record option to raise.
public func topk(
  _ records: NeuronRecords, k: Int = 20, random: Int = 20, perSplit: Int? = nil, tokens: ExcerptTokens
) throws -> NeuronActivationSet {
  let c = records.configuration
  let options = try SplitOptions(k: k, random: random, perSplit: perSplit, keptTop: c.top, keptRandom: c.random)
  guard tokens.tokensPerExcerpt == c.tokensPerExcerpt else {
    throw UserError(
      "topk: the excerpts have \(tokens.tokensPerExcerpt) tokens each but the records were made with "
        + "\(c.tokensPerExcerpt)")
  }
  guard tokens.excerptCount >= c.excerptCount else {
    throw UserError("topk: the records cover \(c.excerptCount) excerpts but only \(tokens.excerptCount) were given")
  }
  return NeuronActivationSet(records: records, tokens: tokens, options: options, neurons: records.neuronIDs)
}
