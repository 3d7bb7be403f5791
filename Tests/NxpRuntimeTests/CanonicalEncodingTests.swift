import Foundation
import NxpCore
import NxpInterp
import NxpRuntime
import Testing

/// The canonical encoding cache keys are hashed from: two different values of the language never
/// share bytes, and equal values always do.
@Suite struct CanonicalEncodingTests {
  @Test func kindsThatLookAlikeEncodeDifferently() {
    let pairs: [(Value, Value)] = [
      (.neuron(NeuronID(layer: 6, index: 1)), .record([("layer", .int(6)), ("index", .int(1))])),
      (.neuron(NeuronID(layer: 6, index: 1)), .list([.int(6), .int(1)])),
      (.range(0..<3), .list([.int(0), .int(1), .int(2)])),
      (.range(0..<3), .list([.int(0), .int(3)])),
      (.range(0..<3), .record([("lower", .int(0)), ("upper", .int(3))])),
      (.int(1), .float(1)),
      (.list([.int(1)]), .int(1)),
      (.string("neuron"), .neuron(NeuronID(layer: 0, index: 0))),
      (.string(""), .null),
      (.list([]), .record([])),
      (.bool(false), .int(0)),
    ]
    for (a, b) in pairs {
      #expect(a.canonical.encoded() != b.canonical.encoded(), "\(a) and \(b) share an encoding")
    }
  }

  @Test func randomValuesEncodeEquallyExactlyWhenTheyAreEqual() {
    var rng = SplitMix64(seed: 20_261_202)
    // Small domains so that equal values turn up often, not only different ones.
    var values: [Value] = []
    for _ in 0..<3000 { values.append(randomValue(&rng, depth: 0)) }
    var byBytes: [Data: Value] = [:]
    var collisions = 0
    var equalPairs = 0
    for v in values {
      let bytes = v.canonical.encoded()
      if let seen = byBytes[bytes] {
        equalPairs += 1
        if !languageEqual(seen, v) {
          collisions += 1
          Issue.record("\(seen) and \(v) are different values with one encoding")
        }
      } else {
        byBytes[bytes] = v
      }
      // Equal values, built separately (record fields reordered), encode identically.
      #expect(reordered(v).canonical.encoded() == bytes)
    }
    #expect(collisions == 0)
    #expect(equalPairs > 100, "the generator should produce repeats to test equal values")
    // Distinct byte strings must come from pairwise different values.
    let distinct = Array(byBytes.values)
    for i in distinct.indices {
      for j in (i + 1)..<distinct.count where languageEqual(distinct[i], distinct[j]) {
        Issue.record("\(distinct[i]) and \(distinct[j]) are equal but encode differently")
      }
    }
  }

  // MARK: - Generation and the language's equality

  private func randomValue(_ rng: inout SplitMix64, depth: Int) -> Value {
    let kinds = depth >= 2 ? 7 : 9
    switch Int(rng.next() % UInt64(kinds)) {
    case 0: return .null
    case 1: return .bool(rng.next() % 2 == 0)
    case 2: return .int(Int(rng.next() % 5) - 2)
    case 3: return .float([0.0, -0.0, 1.0, -1.0, 1.5, .nan, .infinity][Int(rng.next() % 7)])
    case 4: return .string(["", "a", "b", "ab", "neuron", "6:1"][Int(rng.next() % 6)])
    case 5: return .neuron(NeuronID(layer: Int(rng.next() % 2), index: Int(rng.next() % 3)))
    case 6:
      let lower = Int(rng.next() % 3)
      return .range(lower..<(lower + Int(rng.next() % 3)))
    case 7: return .list((0..<Int(rng.next() % 3)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
      let keys = ["layer", "index", "lower", "upper", "a"].shuffled(using: &rng)
      return .record(keys.prefix(Int(rng.next() % 3)).map { ($0, randomValue(&rng, depth: depth + 1)) })
    }
  }

  /// The same value with record fields in reverse order (records compare by field name).
  private func reordered(_ v: Value) -> Value {
    switch v {
    case .list(let items): return .list(items.map(reordered))
    case .record(let fields): return .record(fields.reversed().map { ($0.0, reordered($0.1)) })
    default: return v
    }
  }

  /// Equality as the language means it: ints never equal floats, -0.0 equals 0.0, every NaN is
  /// one value, records compare as sets of fields.
  private func languageEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.float(let x), .float(let y)): return x == y || (x.isNaN && y.isNaN)
    case (.string(let x), .string(let y)): return x == y
    case (.neuron(let x), .neuron(let y)): return x == y
    case (.range(let x), .range(let y)): return x == y
    case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { languageEqual($0, $1) }
    case (.record(let x), .record(let y)):
      let dx = Dictionary(x, uniquingKeysWith: { _, last in last })
      let dy = Dictionary(y, uniquingKeysWith: { _, last in last })
      return dx.count == dy.count && dx.allSatisfy { k, v in dy[k].map { languageEqual(v, $0) } ?? false }
    default: return false
    }
  }
}
