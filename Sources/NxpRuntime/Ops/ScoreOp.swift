import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// `score(sims)`: the correlation scores of every explanation, with their baselines.
final class ScoreOp: Primitive {
  let name = "score"
  let version = 1
  var params: [Param] {
    [
      Param("simulations", .simulations, positional: true, doc: "what simulate returned"),
      Param(
        "detection", .oneOf([.judgeScores, .null]), default: .null,
        doc: "judge(..., method: \"detection\") of the same explanations: its balanced accuracy becomes a column"),
      Param(
        "fuzzing", .oneOf([.judgeScores, .null]), default: .null,
        doc: "judge(..., method: \"fuzzing\") of the same explanations: its balanced accuracy becomes a column"),
    ]
  }
  let summary =
    "correlation of simulated and true activations over the valid excerpts (top + random, top only, random only), calibration, and the baselines' scores"
  let example = "show score(sims)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .scores }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let sims = try args.object("simulations", Simulations.self)
    var rows = ScoreOp.rows(sims.entries)
    for method in JudgeMethod.allCases where !args[method.rawValue].isNone {
      let judged = try args.object(method.rawValue, JudgeScores.self)
      guard judged.payload.method == method.rawValue else {
        throw UserError(
          "score: `\(method.rawValue):` was given a judge of \(judged.payload.method); give judge(..., method: \"\(method.rawValue)\")")
      }
      try ScoreOp.attach(judged, method, to: &rows)
    }
    return .object(Scores(payload: .init(rows: rows, method: sims.payload.method, backend: sims.payload.backend)))
  }

  /// A judge's balanced accuracy on the rows of the explanation it judged: the same neuron, the
  /// same sample, the same text (a judge of other explanations is refused, not half-matched).
  static func attach(_ judged: JudgeScores, _ method: JudgeMethod, to rows: inout [ScoreRow]) throws {
    var index: [NeuronID: [Int]] = [:]
    for (i, r) in rows.enumerated() { index[r.id, default: []].append(i) }
    for j in judged.rows {
      guard let text = j.explanation else { continue }
      guard let i = index[j.id]?.first(where: { rows[$0].sample == j.sample && rows[$0].explanation == text }) else {
        throw UserError(
          "score: the \(method.rawValue) judge scored an explanation of \(j.id) that these simulations do not have (\"\(text)\"); judge the explanations that were simulated"
        )
      }
      switch method {
      case .detection: rows[i].detection = j.balancedAccuracy
      case .fuzzing: rows[i].fuzzing = j.balancedAccuracy
      }
    }
  }

  /// Correlation of the concatenated tokens of the excerpts that simulated; failures left out.
  static func correlation(_ xs: [SimulatedExcerpt]) -> Double? {
    let ok = xs.filter { $0.simulation.expected != nil }
    guard !ok.isEmpty else { return nil }
    return Scoring.correlation(ok.map { $0.trueActivations.map(Double.init) }, ok.map { $0.simulation.expected! })
  }

  static func rows(_ entries: [SimulatedExcerpt]) -> [ScoreRow] {
    let byNeuron = Dictionary(grouping: entries, by: \.id)
    var rows: [ScoreRow] = []
    for id in byNeuron.keys.sorted() {
      let all = byNeuron[id]!
      let baselineValid = all.filter { $0.kind == .baseline && $0.split == "valid" }
      let shuffledValid = all.filter { $0.kind == .shuffled }
      let own = Dictionary(grouping: all.filter { $0.kind == .explanation }, by: \.sample)
      var neuronRows: [ScoreRow] = []
      for sample in own.keys.sorted() {
        let xs = own[sample]!
        let valid = xs.filter { $0.split == "valid" }
        let calibrationSet = xs.filter { $0.split == "calibration" && $0.simulation.expected != nil }
        let calibration = LinearCalibration.fit(
          simulated: calibrationSet.flatMap { $0.simulation.expected! },
          true: calibrationSet.flatMap { $0.trueActivations.map(Double.init) })
        var r2: Double? = nil
        var absDev: Double? = nil
        let validOK = valid.filter { $0.simulation.expected != nil }
        if let calibration, !validOK.isEmpty {
          let t = validOK.flatMap { $0.trueActivations.map(Double.init) }
          let s = calibration.apply(validOK.flatMap { $0.simulation.expected! })
          r2 = Scoring.rSquared(t, s)
          absDev = Scoring.absoluteDeviationExplained(t, s)
        }
        let test = xs.filter { $0.split == "test" }
        neuronRows.append(
          ScoreRow(
            layer: id.layer, neuron: id.index, sample: sample, explanation: xs[0].explanation, score: correlation(valid),
            top: correlation(valid.filter { $0.group == "top" }), random: correlation(valid.filter { $0.group == "random" }),
            test: test.isEmpty ? nil : correlation(test), calibration: calibration, rSquared: r2, absoluteDeviationExplained: absDev,
            baseline: baselineValid.isEmpty ? nil : correlation(baselineValid),
            shuffled: shuffledValid.isEmpty ? nil : correlation(shuffledValid),
            excerpts: xs.filter { $0.simulation.expected != nil }.count, failures: xs.filter { $0.simulation.expected == nil }.count,
            best: false))
      }
      if neuronRows.isEmpty {
        // No explanation to simulate: the neuron is listed with its baselines, its score undefined.
        neuronRows.append(
          ScoreRow(
            layer: id.layer, neuron: id.index, sample: 0, explanation: nil, score: nil, top: nil, random: nil, test: nil, calibration: nil,
            rSquared: nil, absoluteDeviationExplained: nil, baseline: baselineValid.isEmpty ? nil : correlation(baselineValid),
            shuffled: nil, excerpts: 0, failures: 0, best: true))
      }
      // Best of n by the valid score (an undefined score ranks last; ties keep the first sample).
      if let best = neuronRows.indices.max(by: { (neuronRows[$0].score ?? -.infinity, -$0) < (neuronRows[$1].score ?? -.infinity, -$1) }) {
        neuronRows[best].best = true
      }
      rows += neuronRows
    }
    return rows
  }
}
