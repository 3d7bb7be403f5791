import Foundation
import NxpCore
import NxpInterp
import Testing

/// `topk`'s splits, against the definition in neuron-explainer, and `neurons` selection.
@Suite struct NeuronSplitsTests {
  static let records: NeuronRecords = {
    let acc = try! RecordAccumulator(RecordAccumulatorTests.configuration)
    try! acc.consume(RecordAccumulatorTests.data.batch(0..<400), excerptIDs: Array(0..<400))
    return acc.finish()
  }()

  /// Token i of the corpus reads `<i>`.
  static let tokens = ExcerptTokens(ids: (0..<(400 * 8)).map(Int32.init), tokensPerExcerpt: 8, text: { "<\($0)>" })

  // MARK: - Splits

  @Test func splitsInterleaveTopAndRandomRanks() throws {
    // K = 8 and R = 6 kept; k 8, random 6 give 2 per split.
    let set = try topk(Self.records, k: 8, random: 6, tokens: Self.tokens)
    #expect(set.options.perSplit == 2)
    #expect(set.count == 48)
    let id = NeuronID(layer: 5, index: 13)
    let l = Self.records.layer(5)!
    let top = (0..<8).map { Int(l.topIDs[13 * 8 + $0]) }
    let random = (0..<6).map { Int(l.randomIDs[13 * 6 + $0]) }
    let s = set.splits(of: id)
    #expect(s.train.map(\.excerpt) == [top[0], top[4]])
    #expect(s.calibration.map(\.excerpt) == [top[1], top[5], random[0], random[3]])
    #expect(s.valid.map(\.excerpt) == [top[2], top[6], random[1], random[4]])
    #expect(s.test.map(\.excerpt) == [top[3], top[7], random[2], random[5]])
    // Records carry the exact activations and the excerpt's tokens.
    let e = s.valid[0].excerpt
    #expect(s.valid[0].activations == RecordAccumulatorTests.data.activations(1, excerpt: e, neuron: 13))
    #expect(s.valid[0].tokens == (0..<8).map { "<\(e * 8 + $0)>" })
    #expect(s.stats.maxActivation == l.topMax[13 * 8])
    #expect(set[set.neurons.firstIndex(of: id)!] == s)
  }

  @Test func paperDefaultsGiveFiveTopAndFiveRandomPerScoringSplit() throws {
    let f = try ReferenceFixture.shared.get()
    let tokens = ExcerptTokens(ids: [Int32](repeating: 1, count: 1500 * 16), tokensPerExcerpt: 16, text: { _ in "x" })
    let set = try topk(f.records, tokens: tokens)
    let s = set.splits(of: NeuronID(layer: 7, index: 4))
    #expect(set.options.perSplit == 5)
    let counts: [Int] = [s.train.count, s.calibration.count, s.valid.count, s.test.count]
    #expect(counts == [5, 10, 10, 10])
    // Top records are sorted, so train holds ranks 0, 4, 8, 12, 16 and valid 2, 6, 10, 14, 18.
    let ids = f.records.layer(7)!.topIDs.map(Int.init)
    let trainRanks: [Int] = [0, 4, 8, 12, 16]
    let validRanks: [Int] = [2, 6, 10, 14, 18]
    let train: [Int] = s.train.map(\.excerpt)
    let valid: [Int] = s.valid.prefix(5).map(\.excerpt)
    #expect(train == trainRanks.map { ids[4 * 20 + $0] })
    #expect(valid == validRanks.map { ids[4 * 20 + $0] })
    let randomIDs = f.records.layer(7)!.randomIDs.map(Int.init)
    let validRandom: [Int] = s.valid.suffix(5).map(\.excerpt)
    #expect(validRandom == [1, 4, 7, 10, 13].map { randomIDs[4 * 20 + $0] })
  }

  @Test func askingForMoreThanWasKeptNamesTheRecordOption() throws {
    let tooMany = #expect(throws: UserError.self) { try topk(Self.records, k: 12, random: 6, tokens: Self.tokens) }
    #expect(
      tooMany?.message
        == "topk: k is 12 but the records keep only 8 top excerpts per neuron; record with top: 12 or more")
    let tooRandom = #expect(throws: UserError.self) { try topk(Self.records, k: 8, random: 9, tokens: Self.tokens) }
    #expect(
      tooRandom?.message
        == "topk: random is 9 but the records keep only 6 random excerpts per neuron; record with random: 9 or more")
    let per = #expect(throws: UserError.self) {
      try topk(Self.records, k: 8, random: 6, perSplit: 3, tokens: Self.tokens)
    }
    #expect(per?.message == "topk: perSplit 3 needs k >= 12 (4 splits of top records), got k: 8")
    let short = ExcerptTokens(ids: [Int32](repeating: 0, count: 8 * 10), tokensPerExcerpt: 8, text: { _ in "" })
    let tokens = #expect(throws: UserError.self) { try topk(Self.records, k: 8, random: 6, tokens: short) }
    #expect(tokens?.message == "topk: the records cover 400 excerpts but only 10 were given")
  }

  @Test func topOnlySplitsWithoutRandomRecords() throws {
    let set = try topk(Self.records, k: 8, random: 0, tokens: Self.tokens)
    let s = set[0]
    #expect(set.options.perSplit == 2)
    let counts: [Int] = [s.train.count, s.calibration.count, s.valid.count, s.test.count]
    #expect(counts == [2, 2, 2, 2])
  }

  // MARK: - Selection

  func ids(_ s: NeuronActivationSet) -> [String] { s.neurons.map(\.description) }

  @Test func selectsByLayerIndicesRangeAndFirst() throws {
    let set = try topk(Self.records, k: 8, random: 6, tokens: Self.tokens)
    #expect(try neurons(set, layer: 5).neurons.allSatisfy { $0.layer == 5 })
    #expect(try neurons(set, layer: 5).count == 24)
    #expect(ids(try neurons(set, layer: 5, indices: [7, 2])) == ["5:7", "5:2"])
    #expect(ids(try neurons(set, indices: [3])) == ["0:3", "5:3"])
    #expect(ids(try neurons(set, layer: 0, range: 4..<7)) == ["0:4", "0:5", "0:6"])
    #expect(ids(try neurons(set, first: 3)) == ["0:0", "0:1", "0:2"])
    #expect(try neurons(set, layer: 0, first: 100).count == 24)
    #expect(ids(try neurons(neurons(set, layer: 5, range: 10..<20), first: 2)) == ["5:10", "5:11"])
  }

  @Test func randomSelectionIsSeededAndConsistent() throws {
    let set = try topk(Self.records, k: 8, random: 6, tokens: Self.tokens)
    let a = try neurons(set, random: 5, seed: 1)
    #expect(a.count == 5 && Set(a.neurons).count == 5)
    #expect(a.neurons == a.neurons.sorted())
    #expect(try neurons(set, random: 5, seed: 1).neurons == a.neurons)
    #expect(try neurons(set, random: 5, seed: 2).neurons != a.neurons)
    // Drawing again from a draw, or fewer from the same neurons, picks a subset.
    #expect(try neurons(a, random: 5, seed: 1).neurons == a.neurons)
    #expect(Set(try neurons(set, random: 3, seed: 1).neurons).isSubset(of: a.neurons))
  }

  @Test func selectionErrorsSayWhatIsWrong() throws {
    let set = try topk(Self.records, k: 8, random: 6, tokens: Self.tokens)
    let cases: [(String, () throws -> NeuronActivationSet)] = [
      ("neurons: layer 9 is not in the records (layers 0, 5)", { try neurons(set, layer: 9) }),
      ("neurons: index 24 is outside 0..<24", { try neurons(set, indices: [1, 24]) }),
      ("neurons: index 1 is listed twice", { try neurons(set, indices: [1, 2, 1]) }),
      ("neurons: give either indices or range, not both", { try neurons(set, indices: [1], range: 0..<2) }),
      ("neurons: give either first or random, not both", { try neurons(set, first: 1, random: 1) }),
      ("neurons: range 20..<30 is not inside 0..<24", { try neurons(set, range: 20..<30) }),
      ("neurons: random is 30 but only 24 neurons match", { try neurons(set, layer: 0, random: 30) }),
    ]
    for (message, call) in cases {
      let error = #expect(throws: UserError.self) { _ = try call() }
      #expect(error?.message == message)
    }
  }
}
