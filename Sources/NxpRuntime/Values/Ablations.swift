import Foundation
import NxpCore
import NxpInterp

/// How well one explanation's simulated activations stand in for its neuron in the model: the
/// paper's ablation score. Values are nil where they are undefined (no explanation, no
/// calibration, every simulation failed, or mean-ablation changes nothing), never 0.
public struct AblationRow: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  public var sample: Int
  public var explanation: String?
  /// `1 - jsdSimulated / jsdMean`: 1 when the simulation is a perfect substitute, 0 when it is no
  /// better than holding the neuron at its mean, negative when it is worse.
  public var score: Double?
  /// Mean over positions of the Jensen-Shannon divergence (nats) between the model's next-token
  /// distribution and the one with the neuron replaced by its calibrated simulation...
  public var jsdSimulated: Double?
  /// ...by its recorded mean activation...
  public var jsdMean: Double?
  /// ...and by 0, for reference.
  public var jsdZero: Double?
  /// The neuron's recorded mean activation, the value of mean-ablation.
  public var mean: Double
  /// Token positions averaged over, and valid excerpts whose simulation failed (left out).
  public var positions: Int
  public var failures: Int
  /// The sample kept for its neuron (the best valid correlation, as `score` keeps).
  public var best: Bool
  /// Why the score is undefined, when it is.
  public var undefined: Undefined?

  public enum Undefined: String, Codable, Sendable, CaseIterable {
    case noExplanation = "no explanation"
    case noCalibration = "no calibration (simulate the calibration split to map simulations to activations)"
    case simulationsFailed = "every valid simulation failed"
    case meanAblationChangesNothing = "mean-ablation changes nothing"
  }

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }
}

/// What `ablate` returns: a row per explanation with its ablation score and divergences.
public final class Ablations: RuntimeObject {
  public struct Payload: Codable, Sendable {
    public var rows: [AblationRow]
    /// The subject model and the simulator, for summaries.
    public var model: String
    public var backend: String
    public var method: String
  }
  public let payload: Payload
  public init(payload: Payload) { self.payload = payload }
  public var rows: [AblationRow] { payload.rows }

  public static let typeName = "Ablations"

  /// Mean over the neurons' kept explanations of a figure, with how many were defined.
  func mean(_ pick: (AblationRow) -> Double?) -> DefinedMean { DefinedMean(rows.filter(\.best).map(pick)) }

  public var summary: String {
    let n = rows.filter(\.best).count
    let score = mean(\.score)
    var out = "Ablation scores of \(n) neuron\(n == 1 ? "" : "s") of \(payload.model) (\(payload.backend), \(payload.method)): "
    if let v = score.value {
      out += String(format: "mean %.3f", v) + " (\(score.defined) of \(score.of) defined)"
    } else {
      out += "none defined"
    }
    func jsd(_ m: DefinedMean) -> String { m.value.map { String(format: "%.2e", $0) } ?? "-" }
    out += "; mean JSD simulated \(jsd(mean(\.jsdSimulated))), mean-ablated \(jsd(mean(\.jsdMean))), zero-ablated \(jsd(mean(\.jsdZero)))"
    let kept = rows.filter(\.best)
    for reason in AblationRow.Undefined.allCases {
      let count = kept.filter { $0.undefined == reason }.count
      if count > 0 { out += "\nundefined for \(count): \(reason.rawValue)" }
    }
    return out
  }

  public func render(_ style: RenderStyle) -> String { asTable().render(style) + summary + "\n" }
}

extension Ablations: JSONCacheable, Tabular, Sliceable {
  public static let typeTag = "ablations"
  public var itemCount: Int { rows.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject {
    var p = payload
    p.rows = Array(rows[range])
    return Ablations(payload: p)
  }

  /// Numbers first and the explanation last, where a table may give it the rest of the width.
  public func asTable() -> Table {
    let several = rows.contains { $0.sample > 0 }
    var columns: [Table.Column] = [.init("layer", .int), .init("neuron", .int)]
    if several { columns += [.init("sample", .int), .init("best", .bool)] }
    columns += [
      .init("ablation score", .float), .init("jsd simulated", .float), .init("jsd mean", .float), .init("jsd zero", .float),
      .init("positions", .int),
    ]
    if rows.contains(where: { $0.failures > 0 }) { columns.append(.init("failures", .int)) }
    columns.append(.init("explanation", .string))
    func v(_ x: Double?) -> Value { x.map(Value.float) ?? .null }
    let table = rows.map { r -> [Value] in
      var row: [Value] = [.int(r.layer), .int(r.neuron)]
      if several { row += [.int(r.sample), .bool(r.best)] }
      row += [v(r.score), v(r.jsdSimulated), v(r.jsdMean), v(r.jsdZero), .int(r.positions)]
      if columns.contains(where: { $0.name == "failures" }) { row.append(.int(r.failures)) }
      row.append(r.explanation.map(Value.string) ?? .null)
      return row
    }
    return Table(columns: columns, rows: table)
  }
}

extension ValueType {
  public static var ablations: ValueType { .object(ObjectType(Ablations.self)) }
}
