import Foundation
import NxpInterp
import Testing

/// The accumulator against numpy/scipy brute force over the same synthetic activations.
@Suite struct RecordReferenceTests {
  // MARK: - Top excerpts

  @Test func topExcerptsMatchBruteForceExactly() throws {
    let f = try ReferenceFixture.shared.get()
    let k = f.configuration.top
    for (li, l) in f.records.layers.enumerated() {
      let ids = f.ints(li, "top_ids")
      #expect(l.topIDs.map(Int.init) == ids.flatMap { $0 }, "layer \(l.layer) top ids")
      #expect(l.topMax.map(\.bitPattern) == f.floats(li, "top_max").map(\.bitPattern), "layer \(l.layer) top maxima")
      #expect(l.topActs.map(\.bitPattern) == f.floats(li, "top_acts").map(\.bitPattern), "layer \(l.layer) top acts")
      #expect(l.topIDs.count == l.neurons * k)
    }
  }

  @Test func tiedMaximaAreBrokenByLowerExcerptID() throws {
    let f = try ReferenceFixture.shared.get()
    // Kind-2 neurons take values on a 0.5 grid, so their top maxima tie.
    let l = f.records.layers[0]
    var ties = 0
    for j in stride(from: 2, to: l.neurons, by: 6) {
      for s in 1..<f.configuration.top {
        let i = j * f.configuration.top + s
        if l.topMax[i] == l.topMax[i - 1] {
          ties += 1
          #expect(l.topIDs[i] > l.topIDs[i - 1])
        }
      }
    }
    #expect(ties > 10)
  }

  // MARK: - Moments

  @Test func momentsMatchNumpyAndScipy() throws {
    let f = try ReferenceFixture.shared.get()
    for (li, l) in f.records.layers.enumerated() {
      for (name, mine) in [
        ("mean", l.mean), ("variance", l.variance), ("skewness", l.skewness), ("kurtosis", l.kurtosis),
      ] {
        let ref = f.doubles(li, name)
        for j in 0..<l.neurons {
          let err = abs(mine[j] - ref[j]) / max(abs(ref[j]), 1e-12)
          #expect(err <= 1e-9, "layer \(l.layer) neuron \(j) \(name): \(mine[j]) vs \(ref[j])")
        }
      }
    }
  }

  // MARK: - Quantiles

  /// The documented bound: within (gamma - 1) of the magnitude of the two order statistics numpy
  /// interpolates between, plus 2 * 2^-20, and float rounding.
  @Test func quantileBoundariesAreWithinTheDocumentedBound() throws {
    let f = try ReferenceFixture.shared.get()
    let nb1 = f.configuration.bucketCount + 1
    let gamma = exp(0.04)
    var worstRelative = 0.0
    for (li, l) in f.records.layers.enumerated() {
      let exact = f.doubles(li, "quantiles")
      let lo = f.doubles(li, "order_lo")
      let hi = f.doubles(li, "order_hi")
      for i in 0..<(l.neurons * nb1) {
        let bound = (gamma - 1) * max(abs(lo[i]), abs(hi[i])) + 2 * 0x1p-20 + 1e-6 * abs(exact[i])
        let err = abs(Double(l.quantileBoundaries[i]) - exact[i])
        #expect(
          err <= bound, "layer \(l.layer) neuron \(i / nb1) level \(i % nb1): \(l.quantileBoundaries[i]) vs \(exact[i])"
        )
        worstRelative = max(worstRelative, err / max(abs(exact[i]), 1e-3))
      }
      // Level 0 is the exact minimum.
      for j in 0..<l.neurons { #expect(l.quantileBoundaries[j * nb1] == Float(exact[j * nb1])) }
    }
    #expect(worstRelative < gamma - 1)
  }

  // MARK: - Samples

  @Test func randomSampleIsTheSeededSelection() throws {
    let f = try ReferenceFixture.shared.get()
    let r = f.configuration.random
    for (li, l) in f.records.layers.enumerated() {
      #expect(l.randomIDs.map(Int.init) == f.ints(li, "random_ids").flatMap { $0 }, "layer \(l.layer)")
      for j in 0..<l.neurons {
        for s in 0..<r {
          let e = Int(l.randomIDs[j * r + s])
          let acts = Array(l.randomActs[((j * r + s) * 16)..<((j * r + s + 1) * 16)])
          #expect(acts == f.data.activations(li, excerpt: e, neuron: j))
        }
      }
    }
  }

  /// Checks every bucket's sample against the brute-force one; returns (exact buckets, all
  /// buckets) over the neurons `include` selects.
  func checkQuantileSamples(_ f: ReferenceFixture, include: (Int) -> Bool = { _ in true }) -> (exact: Int, total: Int) {
    let nb = f.configuration.bucketCount
    let q = f.configuration.perQuantile
    let t = f.configuration.tokensPerExcerpt
    var exactBuckets = 0
    var total = 0
    for (li, l) in f.records.layers.enumerated() {
      let ids = (f.reference[li]["quantile_ids"] as! [[[Any]]]).map { $0.map { $0.map { ($0 as! NSNumber).intValue } } }
      for j in 0..<l.neurons where include(j) {
        for b in 0..<nb {
          total += 1
          let first = (j * nb + b) * q
          let mine = l.quantileIDs[first..<(first + q)].filter { $0 >= 0 }.map(Int.init)
          let lo = l.quantileBoundaries[j * (nb + 1) + b]
          let hi = l.quantileBoundaries[j * (nb + 1) + b + 1]
          for (s, e) in mine.enumerated() {
            let m = f.data.maximum(li, excerpt: e, neuron: j)
            #expect(m >= lo && (m < hi || lo == hi), "excerpt \(e) is outside bucket \(b)")
            let acts = Array(l.quantileActs[((first + s) * t)..<((first + s + 1) * t)])
            #expect(acts == f.data.activations(li, excerpt: e, neuron: j))
          }
          #expect(Set(mine).count == mine.count, "a bucket sample repeats an excerpt")
          if l.quantileExact[j * nb + b] == 1 {
            exactBuckets += 1
            #expect(mine == ids[j][b], "layer \(l.layer) neuron \(j) bucket \(b)")
          }
        }
      }
    }
    return (exactBuckets, total)
  }

  @Test func quantileSamplesAreTheSmallestKeyBucketMembers() throws {
    let f = try ReferenceFixture.shared.get()
    // Neurons of kind 2 have maxima on a 0.5 grid: ties that straddle bucket edges are the one
    // documented case where the streaming sample may be inexact (checked for membership only).
    let continuous = checkQuantileSamples(f) { $0 % 6 != 2 }
    #expect(continuous.exact == continuous.total)
    let tied = checkQuantileSamples(f) { $0 % 6 == 2 }
    #expect(tied.exact >= tied.total / 2)
  }

  @Test func quantileSamplesStayExactWhenTheDistributionDrifts() throws {
    let f = try ReferenceFixture.drifting.get()
    let continuous = checkQuantileSamples(f) { $0 % 6 != 2 }
    // Whatever the flags say is checked above; most buckets must still be exact.
    #expect(Double(continuous.exact) >= 0.9 * Double(continuous.total), "\(continuous)")
    print("drifting data: \(continuous.exact) of \(continuous.total) quantile buckets exact")
  }
}
