import Foundation
import NxpCore
import NxpInterp
import NxpTestSupport
import Testing

@Suite struct BaselineAndClassificationTests {
  @Test func theTokenBaselineNamesTheTokensWithTheHighestMeanActivation() {
    let records = [
      ActivationRecord(tokens: [" the", " Journal", " of", " Physics"], activations: [0, 6, 0.5, 1], excerpt: 0),
      ActivationRecord(tokens: [" a", " Journal", " \"x\"", " of"], activations: [0, 4, 2, -0.5], excerpt: 1),
    ]
    let b = TokenBaseline(records: records, count: 3)
    #expect(b.tokens == [" Journal", " \"x\"", " Physics"])
    #expect(b.meanActivations == [5, 2, 1])
    #expect(b.explanation == "the tokens \" Journal\", \" \\\"x\\\"\" and \" Physics\"")
    #expect(b.simulate([" Journal", " of", " Physics"]) == [10, 0, 2])
    #expect(
      TokenBaseline(records: [ActivationRecord(tokens: ["a"], activations: [-1], excerpt: 0)]).explanation == "no token in particular")
  }

  @Test func classificationScoresMatchAnIndependentComputation() throws {
    var rng = SplitMix64(seed: 11)
    struct Case: Codable {
      var actual: [Bool]
      var predicted: [Bool?]
    }
    var cases: [Case] = []
    for _ in 0..<30 {
      let n = 1 + Int(rng.next() % 40)
      let actual = (0..<n).map { _ in rng.next() % 2 == 0 }
      let predicted: [Bool?] = actual.map { a in
        let u = rng.uniform()
        return u < 0.1 ? nil : (u < 0.75 ? a : !a)
      }
      cases.append(Case(actual: actual, predicted: predicted))
    }
    cases.append(Case(actual: [true, true], predicted: [true, false]))
    struct Expected: Codable {
      var balanced: Double?
      var precision: Double?
      var recall: Double?
      var f1: Double?
      var failures: Int
    }
    let data = try PythonReference.run("classification_reference.py", stdin: try JSONEncoder().encode(cases))
    let expected = try JSONDecoder().decode([Expected].self, from: data)
    for (c, e) in zip(cases, expected) {
      var s = ClassificationScore()
      for (a, p) in zip(c.actual, c.predicted) { s.add(actual: a, predicted: p) }
      #expect(s.failures == e.failures)
      for (mine, theirs) in [(s.balancedAccuracy, e.balanced), (s.precision, e.precision), (s.recall, e.recall), (s.f1, e.f1)] {
        #expect((mine == nil) == (theirs == nil))
        if let mine, let theirs { #expect(abs(mine - theirs) < 1e-12) }
      }
    }
  }
}
