import Foundation
import NxpCore
import NxpInterp
import NxpTestSupport
import Testing

/// The detection and fuzzing prompts: exact text, reading replies, highlighting, batches, scores.
@Suite struct ClassificationPromptTests {
  static let detectionSystem = """
    You are testing an explanation of one neuron of a language model. You are given the explanation, \
    then numbered excerpts of text. The neuron fires somewhere in some of the excerpts and nowhere in \
    the others. For each excerpt, judge from the explanation alone whether the neuron fires on any of \
    its tokens. Answer with a JSON list and nothing else: one number per excerpt, in order, 1 if the \
    neuron fires in it and 0 if it does not. The list must have exactly as many numbers as there are \
    excerpts.
    """

  static let fuzzingSystem = """
    You are testing an explanation of one neuron of a language model. You are given the explanation, \
    then numbered excerpts of text in which some tokens are marked: each run of marked tokens stands \
    between << and >>. In some excerpts the marks are on the tokens where the neuron fires; in the \
    others they are on tokens picked at random. For each excerpt, judge from the explanation alone \
    whether every marked token is one the neuron would fire on. Answer with a JSON list and nothing \
    else: one number per excerpt, in order, 1 if all its marks are on tokens the neuron fires on and \
    0 otherwise. The list must have exactly as many numbers as there are excerpts.
    """

  // MARK: - Prompt text

  @Test func theDetectionPromptIsAWorkedBatchThenTheBatchToJudge() {
    let m = DetectionPrompt.messages(
      explanation: "names of academic journals", excerpts: [[" the", " Journal", " of", " Physics"], ["Read", "\n", " it"]])
    #expect(m.map(\.role) == [.system, .user, .assistant, .user])
    #expect(m[0].content == Self.detectionSystem)
    #expect(
      m[1].content == """
        Explanation: the main thing this neuron does is find years written as four-digit numbers

        Excerpt 1: The bridge opened in 1932.
        Excerpt 2: She counted 40 sheep before sleeping.
        Excerpt 3: Prices rose sharply after the war.
        Excerpt 4: In 2004 the line closed.

        Answer with a JSON list of 4 numbers, each 0 or 1.
        """)
    #expect(m[2].content == "[1, 0, 0, 1]")
    #expect(
      m[3].content == """
        Explanation: the main thing this neuron does is find names of academic journals

        Excerpt 1:  the Journal of Physics
        Excerpt 2: Read⏎ it

        Answer with a JSON list of 2 numbers, each 0 or 1.
        """)
    #expect(DetectionPrompt.version == 1)
  }

  @Test func aBatchOfOneSaysOneNumber() {
    let m = DetectionPrompt.messages(explanation: "dates", excerpts: [["x"]], example: nil)
    #expect(m.map(\.role) == [.system, .user])
    #expect(m[1].content.hasSuffix("Excerpt 1: x\n\nAnswer with a JSON list of 1 number, each 0 or 1."))
  }

  @Test func theFuzzingPromptMarksRunsOfHighlightedTokens() {
    let excerpts = [
      HighlightedExcerpt(tokens: [" a", " <b>", " c", " d"], highlighted: [false, true, true, false]),
      HighlightedExcerpt(tokens: ["x", "\n", "y"], highlighted: [true, false, true]),
    ]
    let m = FuzzingPrompt.messages(explanation: "letters", excerpts: excerpts)
    #expect(m.map(\.role) == [.system, .user, .assistant, .user])
    #expect(m[0].content == Self.fuzzingSystem)
    #expect(
      m[1].content == """
        Explanation: the main thing this neuron does is find words that negate a statement, such as "not", "never" and "n't"

        Excerpt 1: I did<< not>> see it.
        Excerpt 2: It<< was>> easy, and<< it>> works.
        Excerpt 3: We will<< never>> go back.
        Excerpt 4: She<< closed>> the door.

        Answer with a JSON list of 4 numbers, each 0 or 1.
        """)
    #expect(m[2].content == "[1, 0, 1, 0]")
    #expect(
      m[3].content == """
        Explanation: the main thing this neuron does is find letters

        Excerpt 1:  a<< ‹b› c>> d
        Excerpt 2: <<x>>⏎<<y>>

        Answer with a JSON list of 2 numbers, each 0 or 1.
        """)
    #expect(FuzzingPrompt.version == 1)
  }

  // MARK: - Replies

  @Test func repliesAreReadDespiteProseFencesAndLineBreaks() {
    #expect(DetectionPrompt.parse(reply: "[1, 0, 1]", count: 3) == [true, false, true])
    #expect(
      DetectionPrompt.parse(reply: "Sure! Here it is:\n```json\n[1,0,\n 1]\n```\nHope that helps.", count: 3) == [true, false, true])
    #expect(DetectionPrompt.parse(reply: "[[0, 0, 1]]", count: 3) == [false, false, true])
    #expect(DetectionPrompt.parse(reply: "{\"answer\": [0, 1]}", count: 2) == [false, true])
    // A list of another length (here a citation of excerpt [1]) is not the answer.
    #expect(FuzzingPrompt.parse(reply: "Excerpt [1] is clear. Final: [0, 1, 1]", count: 3) == [false, true, true])
    // The same answer given twice is still one answer.
    #expect(DetectionPrompt.parse(reply: "[1, 0] so: [1, 0]", count: 2) == [true, false])
  }

  @Test func unreadableRepliesAreFailuresNotNoes() {
    #expect(DetectionPrompt.parse(reply: "[1, 0]", count: 3) == nil)
    #expect(DetectionPrompt.parse(reply: "The neuron fires in the first one.", count: 2) == nil)
    #expect(DetectionPrompt.parse(reply: "[1, 0, 2]", count: 3) == nil)
    #expect(DetectionPrompt.parse(reply: "[true, false]", count: 2) == nil)
    #expect(DetectionPrompt.parse(reply: "[1, 0.0]", count: 2) == nil)
    #expect(DetectionPrompt.parse(reply: "[1,,0]", count: 2) == nil)
    #expect(DetectionPrompt.parse(reply: "[\"1\", \"0\"]", count: 2) == nil)
    #expect(DetectionPrompt.parse(reply: "[1, 0", count: 2) == nil)
    #expect(DetectionPrompt.parse(reply: "[]", count: 0) == nil)
    // Two different answers: ambiguous.
    #expect(DetectionPrompt.parse(reply: "[1, 0, 1] or rather [0, 0, 1]", count: 3) == nil)
  }

  // MARK: - Highlighting

  @Test func tokensFireAtThirtyPercentOfTheirExcerptsPeak() {
    let rule = HighlightRule.standard
    #expect(rule.firing([0, 1, 3, 2.5, 10, -5]) == [false, false, true, false, true, false])
    // Scaled by the excerpt's own peak: a weak excerpt still has firing tokens.
    #expect(rule.firing([0.02, 0.1]) == [false, true])
    #expect(rule.firing([0, -1]) == [false, false])
    #expect(rule.firing([]) == [])
    #expect(HighlightRule(minimumLevel: 10).firing([9.99, 10]) == [false, true])
  }

  @Test func fuzzedHighlightsAvoidFiringTokensAndFollowTheSeed() {
    let acts: [Float] = [0, 5, 0, 0, 10, 0, 1, 0]
    let rule = HighlightRule.standard
    let a = rule.fuzzed(acts, count: 2, seed: 7)!
    #expect(a == rule.fuzzed(acts, count: 2, seed: 7))
    #expect(a.filter { $0 }.count == 2)
    #expect(!a[1] && !a[4])
    // Independent seeds give different positions (not all the same over 20 seeds).
    let draws = Set((0..<20).map { rule.fuzzed(acts, count: 2, seed: UInt64($0))! })
    #expect(draws.count > 5)
    #expect(rule.fuzzed(acts, count: 7, seed: 1) == nil)
    #expect(rule.fuzzed(acts, count: 0, seed: 1) == nil)
  }

  @Test func fuzzedPositionsAreUniform() {
    var seen = [Int](repeating: 0, count: 8)
    for s in 0..<4000 {
      let h = HighlightRule.standard.fuzzed([Float](repeating: 0, count: 8), count: 1, seed: UInt64(s))!
      seen[h.firstIndex(of: true)!] += 1
    }
    // 500 expected each; the standard deviation is about 21.
    #expect(seen.allSatisfy { abs($0 - 500) < 100 })
  }

  @Test func aFuzzingTestShowsEachRecordCorrectlyAndFuzzedAndCountsWhatItSkips() {
    let activating = [
      ActivationRecord(tokens: [" a", " b", " c", " d"], activations: [0, 4, 0, 5], excerpt: 3),
      ActivationRecord(tokens: [" e", " f"], activations: [-1, 0], excerpt: 4),
      ActivationRecord(tokens: [" g", " h", " i"], activations: [9, 9, 9], excerpt: 5),
    ]
    let zeros = [Float](repeating: 0, count: 12)
    let nonActivating = [
      ActivationRecord(tokens: (0..<12).map { " z\($0)" }, activations: zeros, excerpt: 8),
      ActivationRecord(tokens: (0..<12).map { " y\($0)" }, activations: zeros, excerpt: 9),
      ActivationRecord(tokens: [" w"], activations: [0], excerpt: 10),
    ]
    let (examples, skipped) = FuzzingPrompt.examples(activating: activating, nonActivating: nonActivating, seed: 22)
    #expect(examples.map(\.source) == [.activating(0), .activating(0), .activating(2), .nonActivating(0), .nonActivating(1)])
    #expect(examples.map(\.isCorrect) == [true, false, true, false, false])
    #expect(examples[0].excerpt.highlighted == [false, true, false, true])
    #expect(examples[1].excerpt.highlighted == [true, false, true, false])
    // Record 1 never fires; record 2 fires everywhere, so it has no fuzzed copy; the last
    // non-activating record is shorter than the 3 highlights (ceil((2 + 3) / 2)) it needs.
    #expect(
      skipped == [
        FuzzingSkip(source: .activating(1), isCorrect: true), FuzzingSkip(source: .activating(1), isCorrect: false),
        FuzzingSkip(source: .activating(2), isCorrect: false), FuzzingSkip(source: .nonActivating(2), isCorrect: false),
      ])
    #expect(examples[3].excerpt.highlighted.filter { $0 }.count == 3)
    // All-zero excerpts of one length draw their own positions.
    #expect(examples[3].excerpt.highlighted != examples[4].excerpt.highlighted)
    let again = FuzzingPrompt.examples(activating: activating, nonActivating: nonActivating, seed: 22)
    #expect(again.examples == examples)
    #expect(FuzzingPrompt.examples(activating: activating, nonActivating: [], fuzzActivating: false, seed: 1).examples.count == 2)
  }

  // MARK: - Batches and scores

  @Test func batchesShuffleEveryIndexOnceAndKeepAShortLastBatch() {
    let b = ClassificationBatching.batches(count: 11, size: 5, seed: 42)
    #expect(b.map(\.count) == [5, 5, 1])
    #expect(b.flatMap { $0 }.sorted() == Array(0..<11))
    #expect(b == ClassificationBatching.batches(count: 11, size: 5, seed: 42))
    #expect(b != ClassificationBatching.batches(count: 11, size: 5, seed: 43))
    #expect(ClassificationBatching.batches(count: 0, size: 5, seed: 1).isEmpty)
  }

  @Test func aFailedBatchCountsOneFailurePerExcerpt() {
    let s = ClassificationScore(batches: [
      (actual: [true, false, true], predicted: [true, false, false]),
      (actual: [true, false], predicted: nil),
      (actual: [false], predicted: [true, true]),
    ])
    #expect(s.truePositives == 1 && s.trueNegatives == 1 && s.falseNegatives == 1 && s.falsePositives == 0)
    #expect(s.failures == 3)
    #expect(s.balancedAccuracy == 0.75)
  }

  @Test func batchScoresMatchTheReferenceOverTheirExcerpts() throws {
    var rng = SplitMix64(seed: 5)
    struct Case: Codable {
      var actual: [Bool]
      var predicted: [Bool?]
    }
    var batchesPerCase: [[(actual: [Bool], predicted: [Bool]?)]] = []
    var cases: [Case] = []
    for _ in 0..<20 {
      var batches: [(actual: [Bool], predicted: [Bool]?)] = []
      for _ in 0..<(1 + Int(rng.next() % 8)) {
        let n = 1 + Int(rng.next() % 5)
        let actual = (0..<n).map { _ in rng.next() % 2 == 0 }
        let failed = rng.uniform() < 0.2
        batches.append((actual, failed ? nil : actual.map { rng.uniform() < 0.7 ? $0 : !$0 }))
      }
      batchesPerCase.append(batches)
      cases.append(
        Case(
          actual: batches.flatMap(\.actual),
          predicted: batches.flatMap { b in b.predicted.map { $0.map(Optional.some) } ?? b.actual.map { _ in nil } }))
    }
    struct Expected: Codable {
      var balanced: Double?
      var f1: Double?
      var failures: Int
    }
    let data = try PythonReference.run("classification_reference.py", stdin: try JSONEncoder().encode(cases))
    let expected = try JSONDecoder().decode([Expected].self, from: data)
    for (batches, e) in zip(batchesPerCase, expected) {
      let s = ClassificationScore(batches: batches)
      #expect(s.failures == e.failures)
      for (mine, theirs) in [(s.balancedAccuracy, e.balanced), (s.f1, e.f1)] {
        #expect((mine == nil) == (theirs == nil))
        if let mine, let theirs { #expect(abs(mine - theirs) < 1e-12) }
      }
    }
  }
}
