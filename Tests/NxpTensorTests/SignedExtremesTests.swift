import NxpTensor
import Testing

@Suite struct SignedExtremesTests {
  /// Against a full sort of a seeded random stream with repeated values: the same entries in
  /// the same order, ties kept in the order offered, zeros never kept.
  @Test func keepsWhatASortKeeps() {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    var values: [Float] = []
    for _ in 0..<5000 {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      // Few distinct values, so ties are common; zero among them.
      values.append(Float(Int((seed >> 33) % 41)) - 20)
    }
    for count in [0, 1, 7, 300] {
      var e = SignedExtremes(count: count)
      for (k, v) in values.enumerated() { e.offer(v, key: k) }
      let keyed = values.enumerated().map { (key: $0.offset, value: $0.element) }
      let positive = keyed.filter { $0.value > 0 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count)
      let negative = keyed.filter { $0.value < 0 }.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.prefix(count)
      #expect(e.positive.map(\.key) == positive.map(\.key), "count \(count)")
      #expect(e.negative.map(\.key) == negative.map(\.key), "count \(count)")
      #expect(e.positive.allSatisfy { $0.value == values[$0.key] })
    }
    var nan = SignedExtremes(count: 2)
    nan.offer(.nan, key: 0)
    nan.offer(0, key: 1)
    #expect(nan.positive.isEmpty && nan.negative.isEmpty)
  }
}
