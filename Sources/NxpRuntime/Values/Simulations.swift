import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// One excerpt simulated from one explanation of one neuron.
public struct SimulatedExcerpt: Hashable, Codable, Sendable {
  /// What explained the neuron here: its own explanation, the token baseline, or another
  /// neuron's explanation (the shuffled baseline).
  public enum Kind: String, Codable, Sendable { case explanation, baseline, shuffled }
  public var layer: Int
  public var neuron: Int
  /// The explanation's sample number (0 for baselines).
  public var sample: Int
  public var kind: Kind
  public var explanation: String
  /// calibration, valid or test.
  public var split: String
  /// top or random.
  public var group: String
  public var excerpt: Int
  public var tokens: [String]
  public var trueActivations: [Float]
  public var simulation: SequenceSimulation

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }
}

/// What `simulate` returns: every simulated excerpt, the method and backend, and the ledger.
public final class Simulations: RuntimeObject {
  public struct Payload: Codable, Sendable {
    public var method: String
    public var backend: String
    public var entries: [SimulatedExcerpt]
    public var ledger: Ledger.Totals?
  }
  public let payload: Payload
  public init(payload: Payload) { self.payload = payload }
  public var entries: [SimulatedExcerpt] { payload.entries }

  public static let typeName = "Simulations"
  public var summary: String {
    let own = entries.filter { $0.kind == .explanation }
    let failed = own.filter { $0.simulation.expected == nil }.count
    let neurons = Set(entries.map(\.id)).count
    return "Simulations: \(own.count) excerpts of \(neurons) neuron\(neurons == 1 ? "" : "s") by \(payload.backend), \(payload.method)"
      + (failed > 0 ? ", \(failed) failed" : "")
  }
}

extension Simulations: JSONCacheable, Tabular, JSONLinesExportable {
  public static let typeTag = "simulations"

  /// One row per simulated excerpt (the arrays are in `save(sims, "x.jsonl")`).
  public func asTable() -> Table {
    let columns: [Table.Column] = [
      .init("layer", .int), .init("neuron", .int), .init("sample", .int), .init("kind", .string), .init("explanation", .string),
      .init("split", .string), .init("group", .string), .init("excerpt", .int), .init("text", .string), .init("failure", .string),
    ]
    let rows = entries.map { e -> [Value] in
      [
        .int(e.layer), .int(e.neuron), .int(e.sample), .string(e.kind.rawValue), .string(e.explanation), .string(e.split),
        .string(e.group), .int(e.excerpt), .string(e.tokens.joined()), e.simulation.failure.map(Value.string) ?? .null,
      ]
    }
    return Table(columns: columns, rows: rows)
  }

  /// One JSON object per neuron, explanation and scored excerpt, with neuron-explainer's field
  /// names (`tokens`, `true_activations`, `expected_activations`, `distribution_values`,
  /// `distribution_probabilities`) plus `layer`, `neuron`, `explanation`, `split` and nxp's own.
  public func jsonLines() throws -> Data {
    var out = Data()
    for e in entries {
      let s = e.simulation
      let object: [String: Any] = [
        "layer": e.layer, "neuron": e.neuron, "sample": e.sample, "kind": e.kind.rawValue, "explanation": e.explanation,
        "split": e.split, "group": e.group, "excerpt": e.excerpt, "tokens": e.tokens,
        "true_activations": e.trueActivations.map { Double($0) },
        "expected_activations": s.expected.map { $0 as Any } ?? NSNull(),
        "distribution_values": s.distributionValues, "distribution_probabilities": s.distributionProbabilities,
        "failure": s.failure.map { $0 as Any } ?? NSNull(), "method": payload.method, "backend": payload.backend,
      ]
      out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
      out.append(UInt8(ascii: "\n"))
    }
    return out
  }
}

/// Values whose `.jsonl` form is richer than their table (arrays per row).
public protocol JSONLinesExportable: RuntimeObject {
  func jsonLines() throws -> Data
}

extension ValueType {
  public static var simulations: ValueType { .object(ObjectType(Simulations.self)) }
}

extension Simulations: ProvenanceNotes {
  public var provenanceNotes: [String: String] {
    var notes: [String: String] = [:]
    notes["backend"] = payload.backend
    if let ledger = payload.ledger { notes["ledger"] = ledger.summary }
    return notes
  }
}
