import Foundation
import NxpCore
import NxpInterp
import NxpLLM
@testable import NxpRuntime
import NxpTestSupport
import Testing

/// `judge`: which excerpts a judge reads, how they are batched, and how its answers are scored.
@Suite(.serialized) struct JudgeTests {
  /// A NeuronRecord of 3-token excerpts: 8 top records and 6 random ones. Tokens name the kind,
  /// the neuron and the rank (` t0.1.2.0` is neuron 0:1's third top record, first token); the
  /// middle token carries the excerpt's peak.
  static func record(_ layer: Int, _ index: Int, topPeaks: [Float], randomPeaks: [Float]) -> NeuronRecord {
    func excerpt(_ kind: String, _ i: Int, peak: Float) -> ActivationRecord {
      ActivationRecord(
        tokens: (0..<3).map { " \(kind)\(layer).\(index).\(i).\($0)" }, activations: [0.25, peak, 0.25].map { min($0, peak) },
        excerpt: -1)
    }
    return NeuronRecord(
      id: NeuronID(layer: layer, index: index),
      mostPositiveActivationRecords: topPeaks.enumerated().map { excerpt("t", $0, peak: $1) },
      randomSample: randomPeaks.enumerated().map { excerpt("r", $0, peak: $1) },
      randomSampleByQuantile: [],
      stats: NeuronStats(
        mean: 0.5, variance: 2, skewness: 1, kurtosis: 3, maxActivation: 20, quantileLevels: [0, 0.5, 1], quantileBoundaries: [0, 1, 20]))
  }

  /// Neuron 0:1 has a weak top record (rank 7, peak 1, below 10% of its max 20) and two loud
  /// random ones (ranks 1 and 5); neuron 0:2 is plain.
  static func fixture() throws -> ScriptFixture {
    let f = try ScriptFixture()
    let a = record(0, 1, topPeaks: [20, 19, 18, 17, 16, 15, 14, 1], randomPeaks: [0.5, 5, 0.5, 0.5, 0.5, 5])
    let b = record(0, 2, topPeaks: [20, 19, 18, 17, 16, 15, 14, 13], randomPeaks: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    for r in [a, b] {
      let path = f.dir + "/acts/\(r.id.layer)/\(r.id.index).json"
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try NeuronExplainerFormat.encode(r).write(to: URL(fileURLWithPath: path))
    }
    return f
  }

  static let script = """
    top = neuronRecords("acts")
    expl = explanation([0:1, 0:2], ["tokens of kind t", "tokens of neuron 0.2"])

    """

  static func objects(_ f: ScriptFixture) throws -> (NeuronSet, Explanations) {
    let g = try f.graph(script)
    guard case .node(let t)? = g.bindings["top"], case .node(let e)? = g.bindings["expl"],
      case .object(let set as NeuronSet) = try f.session.evaluator.value(t),
      case .object(let expl as Explanations) = try f.session.evaluator.value(e)
    else { throw TestSupportError("fixture values missing") }
    return (set, expl)
  }

  /// The first token of each item, which names its record (` t0.1.2.0`).
  static func names(_ items: [JudgeOp.Item]) -> [String] { items.map { $0.excerpt.tokens[0].trimmingCharacters(in: .whitespaces) } }

  // MARK: - Selection and batching

  @Test func excerptSelectionFollowsTheRules() throws {
    let f = try Self.fixture()
    let (set, _) = try Self.objects(f)
    #expect(set.options.perSplit == 2)
    // Valid holds top ranks 2, 6 and random ranks 1, 4; test holds top 3, 7 and random 2, 5.
    // Top 7 (peak 1) is too weak to count as activating; randoms 1 and 5 are too loud to be
    // negatives; neuron 0:2's first valid top record fills the third negative.
    let d = JudgeOp.items(set: set, position: 0, method: .detection, seed: 0)
    #expect(Self.names(d.items) == ["t0.1.2.0", "t0.1.6.0", "t0.1.3.0", "r0.1.4.0", "r0.1.2.0", "t0.2.2.0"])
    #expect(d.items.map(\.actual) == [true, true, true, false, false, false])
    #expect(d.items.map(\.group) == ["top", "top", "top", "random", "random", "other"])
    #expect(d.items.allSatisfy { !$0.excerpt.highlighted.contains(true) })
    #expect(d.skipped == 1)
    // Neuron 0:2 has enough quiet random records of its own.
    let b = JudgeOp.items(set: set, position: 1, method: .detection, seed: 0)
    #expect(b.items.map(\.group) == ["top", "top", "top", "top", "random", "random", "random", "random"])
    #expect(b.skipped == 0)

    // Fuzzing: each activating excerpt correctly marked (its peak token) and fuzzed, then the
    // negatives fuzzed with one mark each.
    let z = JudgeOp.items(set: set, position: 0, method: .fuzzing, seed: 3)
    #expect(z.items.count == 9)
    #expect(z.items.map(\.actual) == [true, false, true, false, true, false, false, false, false])
    for item in z.items where item.actual { #expect(item.excerpt.highlighted == [false, true, false]) }
    for item in z.items where !item.actual {
      #expect(item.excerpt.highlighted.filter { $0 }.count == 1)
      if item.group == "top" { #expect(!item.excerpt.highlighted[1]) }
    }
    #expect(z.skipped == 1)
    #expect(JudgeOp.items(set: set, position: 0, method: .fuzzing, seed: 3).items == z.items)
  }

  @Test func batchesAreShuffledDeterministicallyBySeed() throws {
    let f = try Self.fixture()
    let (set, expl) = try Self.objects(f)
    let a = JudgeOp.tasks(explanations: expl, set: set, method: .detection, batch: 4, seed: 7)
    let again = JudgeOp.tasks(explanations: expl, set: set, method: .detection, batch: 4, seed: 7)
    #expect(a.map(\.batches) == again.map(\.batches))
    #expect(a.map(\.id) == [NeuronID(layer: 0, index: 1), NeuronID(layer: 0, index: 2)])
    #expect(a[0].batches == ClassificationBatching.batches(count: 6, size: 4, seed: 7))
    #expect(a[0].batches.map(\.count) == [4, 2])
    #expect(a[0].batches.flatMap { $0 }.sorted() == Array(0..<6))
    #expect(a[1].batches.map(\.count) == [4, 4])
    #expect(a[0].explanation == "tokens of kind t" && a[0].sample == 0)
    let other = JudgeOp.tasks(explanations: expl, set: set, method: .detection, batch: 4, seed: 8)
    #expect(other[1].batches != a[1].batches)
  }

  // MARK: - Scoring with a judge whose answers are known

  /// Answers each excerpt line of the last user turn by `rule`; a batch containing `garble`
  /// gets a reply with no list in it.
  final class RuleJudge: LLMBackend, @unchecked Sendable {
    let rule: @Sendable (String) -> Bool
    let garble: String?
    private let lock = NSLock()
    private var asked: [(prompt: String, label: String?, temperature: Double)] = []
    var prompts: [String] { lock.withLock { asked.map(\.prompt) } }
    var labels: [String?] { lock.withLock { asked.map(\.label) } }
    var temperatures: [Double] { lock.withLock { asked.map(\.temperature) } }

    init(garble: String? = nil, rule: @escaping @Sendable (String) -> Bool) {
      self.rule = rule
      self.garble = garble
    }

    var identity: BackendIdentity { BackendIdentity(kind: "test", model: "rule") }
    var concurrency: Int { 2 }
    func capabilities() throws -> BackendCapabilities {
      BackendCapabilities(promptLogprobs: false, generatedTopLogprobs: 0, continuesFinalMessage: false)
    }
    func generate(_ request: GenerationRequest) throws -> Completion {
      let last = request.prompt.messages.last?.content ?? ""
      lock.withLock { asked.append((last, RequestLabel.current, request.sampling.temperature)) }
      let lines = last.split(separator: "\n").filter { $0.hasPrefix("Excerpt ") }
      if let garble, lines.contains(where: { $0.contains(garble) }) { return Completion(text: "Yes, mostly the first ones.") }
      return Completion(text: "Sure: [" + lines.map { rule(String($0)) ? "1" : "0" }.joined(separator: ",") + "]")
    }
    func scorePrompt(_ request: PromptScoringRequest) throws -> PromptScoring {
      throw LLMError.unsupported(backend: "rule", what: "score prompts")
    }
  }

  struct ReferenceCase: Codable {
    var actual: [Bool]
    var predicted: [Bool?]
  }
  struct ReferenceResult: Codable {
    var balanced: Double?
    var precision: Double?
    var recall: Double?
    var f1: Double?
    var failures: Int
  }

  /// The truth about a judged line, read from its text alone: for detection, it is one of the
  /// neuron's own top records (tokens ` t0.1.…`); for fuzzing, its one mark is on the middle
  /// (peak) token of such a record.
  static func truth(_ method: JudgeMethod, _ x: JudgedExcerpt) -> Bool {
    let own = "t\(x.layer).\(x.neuron)."
    switch method {
    case .detection: return x.text.contains(" " + own)
    case .fuzzing:
      return x.text.components(separatedBy: "<<").count == 2
        && x.text.range(of: "<< \(own)[0-9]+\\.1>>", options: .regularExpression) != nil
    }
  }

  /// Each row's scores against Tests/Reference/classification_reference.py, fed the truth (see
  /// `truth`) and the rule's answers (nil for excerpts of garbled batches).
  static func checkAgainstReference(_ p: JudgeScores.Payload, predicted: (JudgedExcerpt) -> Bool?) throws {
    let method = try #require(JudgeMethod(rawValue: p.method))
    var cases: [ReferenceCase] = []
    for row in p.rows {
      let xs = p.excerpts.filter { $0.id == row.id }
      let actual = xs.map { truth(method, $0) }
      #expect(actual == xs.map(\.actual))
      cases.append(ReferenceCase(actual: actual, predicted: xs.map(predicted)))
    }
    let data = try PythonReference.run("classification_reference.py", stdin: try JSONEncoder().encode(cases))
    let expected = try JSONDecoder().decode([ReferenceResult].self, from: data)
    #expect(expected.count == p.rows.count)
    for (row, e) in zip(p.rows, expected) {
      #expect(row.failures == e.failures)
      for (mine, theirs) in [(row.balancedAccuracy, e.balanced), (row.precision, e.precision), (row.recall, e.recall), (row.f1, e.f1)] {
        #expect((mine == nil) == (theirs == nil))
        if let mine, let theirs { #expect(abs(mine - theirs) < 1e-12) }
      }
    }
  }

  /// Says yes to top ranks 2 and 6 and random rank 4 of either neuron.
  static let rule: @Sendable (String) -> Bool = { line in
    ["t0.1.2.", "t0.1.6.", "r0.1.4.", "t0.2.2.", "r0.2.4."].contains { line.contains($0) }
  }

  @Test func balancedAccuracyMatchesTheReference() throws {
    let f = try Self.fixture()
    let (set, expl) = try Self.objects(f)
    let judge = RuleJudge(rule: Self.rule)
    let tasks = JudgeOp.tasks(explanations: expl, set: set, method: .detection, batch: 4, seed: 1)
    let p = try JudgeOp.judge(tasks, backend: judge, method: .detection)
    #expect(judge.prompts.count == 4)
    #expect(judge.temperatures == [0, 0, 0, 0])
    #expect(
      Set(judge.labels.compactMap { $0 }) == [
        "detection 0:1 batch 1", "detection 0:1 batch 2", "detection 0:2 batch 1", "detection 0:2 batch 2",
      ])
    #expect(judge.prompts.allSatisfy { $0.hasPrefix("Explanation: the main thing this neuron does is find tokens of") })
    #expect(p.rows.map(\.failures) == [0, 0])
    #expect(p.rows.map(\.excerpts) == [6, 8])
    #expect(p.rows.map(\.skipped) == [1, 0])
    #expect(p.batches.allSatisfy { $0.parsed })
    // Neuron 0:1: top 2 and 6 yes, top 3 no; random 4 and the borrowed 0:2 top 2 yes, random 2
    // no: TP 2, FN 1, TN 1, FP 2.
    let first = try #require(p.rows.first)
    #expect(first.id == NeuronID(layer: 0, index: 1))
    #expect(first.balancedAccuracy.map { abs($0 - 0.5) < 1e-12 } == true)
    #expect(first.precision.map { abs($0 - 0.5) < 1e-12 } == true)
    try Self.checkAgainstReference(p) { Self.rule($0.text) }
    #expect(p.excerpts.allSatisfy { $0.predicted == Self.rule($0.text) })
    // Fuzzing goes through the same scoring.
    let fz = try JudgeOp.judge(
      JudgeOp.tasks(explanations: expl, set: set, method: .fuzzing, batch: 5, seed: 1), backend: RuleJudge(rule: Self.rule),
      method: .fuzzing)
    #expect(fz.rows.map(\.excerpts) == [9, 12])
    #expect(fz.excerpts.filter(\.actual).allSatisfy { $0.text.contains("<<") })
    try Self.checkAgainstReference(fz) { Self.rule($0.text) }
  }

  @Test func scoreTakesTheJudgesBalancedAccuracyAsColumns() throws {
    let f = try Self.fixture()
    let (set, expl) = try Self.objects(f)
    func judged(_ method: JudgeMethod) throws -> JudgeScores {
      JudgeScores(
        payload: try JudgeOp.judge(
          JudgeOp.tasks(explanations: expl, set: set, method: method, batch: 4, seed: 1), backend: RuleJudge(rule: Self.rule),
          method: method))
    }
    let detection = try judged(.detection), fuzzing = try judged(.fuzzing)
    func row(_ index: Int, _ sample: Int, _ text: String?) -> ScoreRow {
      ScoreRow(
        layer: 0, neuron: index, sample: sample, explanation: text, score: 0.5, top: nil, random: nil, test: nil, calibration: nil,
        rSquared: nil, absoluteDeviationExplained: nil, baseline: nil, shuffled: nil, excerpts: 4, failures: 0, best: sample == 0)
    }
    var rows = [row(1, 0, "tokens of kind t"), row(1, 1, "another sample"), row(2, 0, "tokens of neuron 0.2")]
    try ScoreOp.attach(detection, .detection, to: &rows)
    try ScoreOp.attach(fuzzing, .fuzzing, to: &rows)
    // Each judged explanation's row gets the judge's number; the unjudged sample stays undefined.
    #expect(rows[0].detection == detection.rows[0].balancedAccuracy && rows[0].detection.map { abs($0 - 0.5) < 1e-12 } == true)
    #expect(rows[2].detection == detection.rows[1].balancedAccuracy && rows[2].detection != nil)
    #expect(rows[0].fuzzing == fuzzing.rows[0].balancedAccuracy && rows[2].fuzzing == fuzzing.rows[1].balancedAccuracy)
    #expect(rows[1].detection == nil && rows[1].fuzzing == nil)
    let scores = Scores(payload: .init(rows: rows, method: "all-at-once", backend: "test"))
    let table = scores.asTable()
    #expect(table.columns.map(\.name).contains("detection") && table.columns.map(\.name).contains("fuzzing"))
    #expect(scores.summary.contains("; detection 0.") && scores.summary.contains("; fuzzing "))
    // A judge of other explanations is refused rather than matched by neuron alone.
    var other = [row(1, 0, "something else"), row(2, 0, "tokens of neuron 0.2")]
    #expect(throws: UserError.self) { try ScoreOp.attach(detection, .detection, to: &other) }
  }

  @Test func unreadableRepliesAreFailuresNotNegatives() throws {
    let f = try Self.fixture()
    let (set, expl) = try Self.objects(f)
    let tasks = JudgeOp.tasks(explanations: expl, set: set, method: .detection, batch: 3, seed: 2)
    // Every batch holding neuron 0:1's top record 3 gets prose with no list.
    let p = try JudgeOp.judge(tasks, backend: RuleJudge(garble: "t0.1.3.", rule: Self.rule), method: .detection)
    let garbled = p.batches.filter { !$0.parsed }
    #expect(garbled.count == 1)
    let batchSize = p.excerpts.filter { $0.id == NeuronID(layer: 0, index: 1) && $0.batch == garbled[0].batch }.count
    #expect(p.rows[0].failures == batchSize && batchSize == 3)
    #expect(p.rows[0].excerpts == 6 - batchSize)
    #expect(p.rows[1].failures == 0)
    #expect(p.excerpts.filter { $0.predicted == nil }.count == batchSize)
    try Self.checkAgainstReference(p) { x in x.layer == 0 && x.neuron == 1 && x.batch == garbled[0].batch ? nil : Self.rule(x.text) }
    let value = JudgeScores(payload: p)
    #expect(value.summary.contains("3 of 14 excerpts failed"))
  }

  @Test func undefinedScoresShowAsNone() throws {
    var s = ClassificationScore()
    s.add(actual: [true, true], predicted: nil)
    let row = JudgeRow(id: NeuronID(layer: 1, index: 2), sample: 0, explanation: nil, score: s, skipped: 0)
    let v = JudgeScores(
      payload: .init(method: "detection", backend: "test", batchSize: 5, seed: 0, rows: [row], excerpts: [], batches: [], ledger: nil))
    #expect(v.asTable().rows[0][3].isNone)
    #expect(v.render(RenderStyle(colors: false)).contains(" - "))
    #expect(v.summary.contains("mean balanced accuracy none, mean F1 none"))
    #expect(v.summary.contains("2 of 2 excerpts failed"))
  }

  // MARK: - End to end on the local model

  @Test func detectionRunsOnTheLocalModelAndRerunsFromTheCache() throws {
    _ = try TestEnvironment.defaultModelPath()
    let f = try Self.fixture()
    let script = """
      top = neuronRecords("acts")
      expl = explanation(0:2, "tokens of neuron 0.2")
      one = top |> neurons(layer: 0, indices: [2])
      scores = judge(expl, one, by: "local", batch: 5)
      show scores

      """
    let start = Date()
    let out = try f.run(script)
    let seconds = Date().timeIntervalSince(start)
    #expect(out.contains("Detection scores of 1 neuron (local:smollm2-135m"))
    #expect(out.contains("batches of 5"))
    guard case .node(let n)? = try f.graph(script).bindings["scores"],
      case .object(let value as JudgeScores) = try f.session.evaluator.value(n)
    else { throw TestSupportError("no scores") }
    #expect(value.rows.count == 1)
    #expect(value.rows[0].excerpts + value.rows[0].failures == 8)
    #expect(value.payload.batches.count == 2)
    #expect(value.payload.ledger?.requests == 2)
    #expect(seconds < 120)
    // The same requests from another node are answered from the request cache.
    let again = """
      top = neuronRecords("acts")
      expl = explanation(0:2, "tokens of neuron 0.2")
      one = top |> neurons(indices: [2])
      scores = judge(expl, one, by: "local", batch: 5)
      show scores

      """
    guard case .node(let m)? = try f.graph(again).bindings["scores"],
      case .object(let second as JudgeScores) = try f.session.evaluator.value(m)
    else { throw TestSupportError("no scores") }
    #expect(second.payload.ledger?.cached == 2)
    #expect(second.rows == value.rows)
  }
}
