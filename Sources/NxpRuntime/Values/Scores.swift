import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// How well one explanation predicts its neuron. A score is nil where it is undefined (a
/// constant side, or no excerpt simulated), shown as such and never as 0.
public struct ScoreRow: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  public var sample: Int
  /// nil when the explainer gave none (the neuron is still listed, with its baselines).
  public var explanation: String?
  /// Correlation over the valid split's top and random excerpts, tokens concatenated.
  public var score: Double?
  public var top: Double?
  public var random: Double?
  /// The held-out test split (simulated for best-of-n).
  public var test: Double?
  /// Fitted on the calibration split: simulated value -> activation.
  public var calibration: LinearCalibration?
  /// On the valid split after calibration.
  public var rSquared: Double?
  public var absoluteDeviationExplained: Double?
  /// The token baseline's and the shuffled explanation's score on the same excerpts.
  public var baseline: Double?
  public var shuffled: Double?
  /// Balanced accuracy of a judge telling the neuron's excerpts (detection) or its firing tokens
  /// (fuzzing) apart, when `score` was given that judge (`judge`, after EleutherAI's delphi).
  public var detection: Double? = nil
  public var fuzzing: Double? = nil
  /// Excerpts scored and excerpts whose simulation failed (left out of every score).
  public var excerpts: Int
  public var failures: Int
  /// The sample kept for its neuron (the best valid score among its samples).
  public var best: Bool

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }
}

/// What `score` returns: a row per explanation, with the method and backend that simulated.
public final class Scores: RuntimeObject {
  public struct Payload: Codable, Sendable {
    public var rows: [ScoreRow]
    public var method: String
    public var backend: String
  }
  public let payload: Payload
  public init(payload: Payload) { self.payload = payload }
  public var rows: [ScoreRow] { payload.rows }

  public static let typeName = "Scores"

  /// Mean over the neurons' kept explanations of a score, with how many were defined.
  func mean(_ pick: (ScoreRow) -> Double?) -> DefinedMean { DefinedMean(rows.filter(\.best).map(pick)) }

  public var summary: String {
    func f(_ m: DefinedMean) -> String { m.formatted() }
    let neurons = rows.filter(\.best).count
    let failures = rows.reduce(0) { $0 + $1.failures }
    let excerpts = rows.reduce(0) { $0 + $1.excerpts }
    var out = "Scores of \(neurons) neuron\(neurons == 1 ? "" : "s") (\(payload.backend), \(payload.method)): mean \(f(mean(\.score)))"
    out += "; token baseline \(f(mean(\.baseline))); shuffled \(f(mean(\.shuffled)))"
    if rows.contains(where: { $0.test != nil }) { out += "; held-out test \(f(mean(\.test)))" }
    if rows.contains(where: { $0.detection != nil }) { out += "; detection \(f(mean(\.detection)))" }
    if rows.contains(where: { $0.fuzzing != nil }) { out += "; fuzzing \(f(mean(\.fuzzing)))" }
    if failures > 0 { out += "; \(failures) of \(excerpts + failures) excerpts failed to simulate" }
    // Which explains better, said plainly: the explanations or the token statistics.
    let compared = rows.filter { $0.best && $0.score != nil && $0.baseline != nil }
    if !compared.isEmpty {
      let better = compared.filter { $0.score! > $0.baseline! }.count
      out +=
        "\nthe explanations score above the token baseline on \(better) of \(compared.count) neuron\(compared.count == 1 ? "" : "s") where both are defined"
    }
    return out
  }

  public func render(_ style: RenderStyle) -> String { asTable().render(style) + summary + "\n" }
}

extension Scores: JSONCacheable, Tabular, Sliceable {
  public static let typeTag = "scores"
  public var itemCount: Int { rows.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject {
    Scores(payload: Payload(rows: Array(rows[range]), method: payload.method, backend: payload.backend))
  }

  /// Numbers first and the explanation last, where a table may give it the rest of the width.
  public func asTable() -> Table {
    let several = rows.contains { $0.sample > 0 }
    var columns: [Table.Column] = [.init("layer", .int), .init("neuron", .int)]
    if several { columns += [.init("sample", .int), .init("best", .bool)] }
    columns += [
      .init("score", .float), .init("top", .float), .init("random", .float), .init("baseline", .float), .init("shuffled", .float),
    ]
    if several { columns.append(.init("test", .float)) }
    // r2 needs the calibration split: without it the column would be empty.
    let calibrated = rows.contains { $0.rSquared != nil }
    if calibrated { columns.append(.init("r2", .float)) }
    // The judges' columns appear when score was given them.
    let detected = rows.contains { $0.detection != nil }, fuzzed = rows.contains { $0.fuzzing != nil }
    if detected { columns.append(.init("detection", .float)) }
    if fuzzed { columns.append(.init("fuzzing", .float)) }
    columns += [.init("failures", .int), .init("explanation", .string)]
    func v(_ x: Double?) -> Value { x.map(Value.float) ?? .null }
    let table = rows.map { r -> [Value] in
      var row: [Value] = [.int(r.layer), .int(r.neuron)]
      if several { row += [.int(r.sample), .bool(r.best)] }
      row += [v(r.score), v(r.top), v(r.random), v(r.baseline), v(r.shuffled)]
      if several { row.append(v(r.test)) }
      if calibrated { row.append(v(r.rSquared)) }
      if detected { row.append(v(r.detection)) }
      if fuzzed { row.append(v(r.fuzzing)) }
      row += [.int(r.failures), r.explanation.map(Value.string) ?? .null]
      return row
    }
    return Table(columns: columns, rows: table)
  }
}

extension ValueType {
  public static var scores: ValueType { .object(ObjectType(Scores.self)) }
}
