import Foundation
import NxpCore
import NxpInterp
import NxpTestSupport
import Testing

/// Scores and prompt normalisation against numpy/scipy computed at test time
/// (Tests/Reference/scoring_reference.py).
@Suite struct ScoringReferenceTests {
  struct Case: Codable {
    var t: [[Double]]
    var s: [[Double]]
    var shown: [[Float]]
  }

  struct Expected: Codable {
    var correlation: Double?
    var rsquared: Double?
    var absdev: Double?
    var calibration: [Double]
    var normalized: [[Int]]
  }

  /// Random sequences (some constant, some tiny, some with negative resting values) plus the
  /// edge cases the scores must not hide.
  static func cases() -> [Case] {
    var rng = SplitMix64(seed: 7)
    func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.uniform() }
    var out: [Case] = []
    for k in 0..<40 {
      let sequences = 1 + Int(rng.next() % 6)
      var t: [[Double]] = []
      var s: [[Double]] = []
      for _ in 0..<sequences {
        let n = 1 + Int(rng.next() % 64)
        let row = (0..<n).map { _ in rng.uniform() < 0.8 ? uniform(-0.2, 0.05) : uniform(0, 5) }
        t.append(row)
        // Simulations that track the truth to a varying degree, on the 0-10 scale.
        s.append(row.map { max(0, min(10, 2 * $0 + uniform(-1, 1) * Double(k % 5))) })
      }
      let shown = t.map { $0.map(Float.init) }
      out.append(Case(t: t, s: s, shown: shown))
    }
    // A constant simulation, a constant truth, an all-negative record, exact ties at the max.
    out.append(Case(t: [[1, 2, 3]], s: [[4, 4, 4]], shown: [[-1, -0.5, -2]]))
    out.append(Case(t: [[0, 0, 0]], s: [[1, 2, 3]], shown: [[0, 0, 0]]))
    out.append(Case(t: [[0.3, -0.1], [2.5]], s: [[1, 0], [9]], shown: [[2.5, 0.25, 2.5], [1.25, 0.7]]))
    return out
  }

  @Test func scoresAndNormalisationMatchNumpy() throws {
    let cases = Self.cases()
    let data = try PythonReference.run("scoring_reference.py", stdin: try JSONEncoder().encode(cases))
    let expected = try JSONDecoder().decode([Expected].self, from: data)
    #expect(expected.count == cases.count)
    func close(_ a: Double?, _ b: Double?, _ what: String, _ i: Int) {
      switch (a, b) {
      case (nil, nil): break
      case (let x?, let y?): #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "case \(i) \(what): \(x) vs \(y)")
      default: Issue.record("case \(i) \(what): \(String(describing: a)) vs \(String(describing: b))")
      }
    }
    for (i, (c, e)) in zip(cases, expected).enumerated() {
      let t = c.t.flatMap { $0 }
      let s = c.s.flatMap { $0 }
      close(Scoring.correlation(c.t, c.s), e.correlation, "correlation", i)
      close(Scoring.rSquared(t, s), e.rsquared, "R²", i)
      close(Scoring.absoluteDeviationExplained(t, s), e.absdev, "abs-dev", i)
      let cal = LinearCalibration.fit(simulated: s, true: t)!
      close(cal.slope, e.calibration[0], "slope", i)
      close(cal.intercept, e.calibration[1], "intercept", i)
      #expect(PromptNormalization.normalize(c.shown) == e.normalized, "case \(i) normalisation")
    }
  }

  @Test func undefinedScoresAreNilNeverZero() {
    #expect(Scoring.correlation([1, 2, 3], [5, 5, 5]) == nil)
    #expect(Scoring.correlation([2, 2], [1, 3]) == nil)
    #expect(Scoring.correlation([1], [1]) == nil)
    #expect(Scoring.correlation([[1, 2]], [[1, 2], [3]]) == nil)
    #expect(Scoring.rSquared([0, 0], [1, 2]) == nil)
    #expect(abs(Scoring.correlation([[1, 2], [3]], [[2, 4], [6]])! - 1) < 1e-12)
  }

  @Test func concatenationIsNotAnAverageOfPerSequenceScores() {
    // Each sequence alone correlates perfectly; together, their offsets disagree.
    let t: [[Double]] = [[0, 1], [10, 11]]
    let s: [[Double]] = [[10, 11], [0, 1]]
    #expect(abs(Scoring.correlation(t[0], s[0])! - 1) < 1e-12 && abs(Scoring.correlation(t[1], s[1])! - 1) < 1e-12)
    // Centred: t = (-5.5, -4.5, 4.5, 5.5), s = (4.5, 5.5, -5.5, -4.5): r = -99 / 101.
    let whole = Scoring.correlation(t, s)!
    #expect(abs(whole - (-99.0 / 101.0)) < 1e-12)
  }

  @Test func sparseRecordsAreRepeatedWithoutZeros() {
    #expect(PromptNormalization.isSparse([[0, 0, 0, 0, 0, 0, 0, 0, 0, 10]]))
    #expect(!PromptNormalization.isSparse([[0, 0, 0, 0, 3]]))
    #expect(PromptNormalization.normalize([[-1, -2]]) == [[0, 0]])
  }
}
