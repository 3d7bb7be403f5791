import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// One explanation of one neuron: written by a backend (sample `sample` of several), by the
/// token baseline, or by a person.
public struct ExplanationEntry: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  public var sample: Int
  /// nil when the reply held no explanation (a failure, kept with the reply).
  public var text: String?
  public var reply: String
  /// `local:smollm2-135m#...`, `baseline`, `person`.
  public var source: String
  public var promptTokens: Int
  public var completionTokens: Int

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }
}

/// What `explain` and `explanation` return: explanations by neuron, and what asking cost.
public final class Explanations: RuntimeObject {
  public struct Payload: Codable, Sendable {
    public var entries: [ExplanationEntry]
    public var ledger: Ledger.Totals?
  }
  public let entries: [ExplanationEntry]
  public let ledger: Ledger.Totals?

  public init(entries: [ExplanationEntry], ledger: Ledger.Totals? = nil) {
    self.entries = entries
    self.ledger = ledger
  }

  public static let typeName = "Explanations"
  public var neurons: [NeuronID] {
    var seen = Set<NeuronID>()
    return entries.map(\.id).filter { seen.insert($0).inserted }
  }
  public var summary: String {
    let failed = entries.filter { $0.text == nil }.count
    return "Explanations: \(entries.count) of \(neurons.count) neuron\(neurons.count == 1 ? "" : "s")"
      + (failed > 0 ? ", \(failed) without an explanation" : "")
  }
  public func render(_ style: RenderStyle) -> String { summary + "\n" + asTable().render(style) }
}

extension Explanations: JSONCacheable, Tabular, Sliceable, PositionIndexable {
  public static let typeTag = "explanations"
  public var payload: Payload { Payload(entries: entries, ledger: ledger) }
  public convenience init(payload: Payload) { self.init(entries: payload.entries, ledger: payload.ledger) }

  public static let itemType = ValueType.explanations
  public static let itemNoun = "explanation"
  public var itemCount: Int { entries.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject { Explanations(entries: Array(entries[range]), ledger: nil) }
  public func item(at index: Int) throws -> Value { .object(Explanations(entries: [entries[index]])) }

  public func asTable() -> Table {
    let several = entries.contains { $0.sample > 0 }
    var columns: [Table.Column] = [.init("layer", .int), .init("neuron", .int)]
    if several { columns.append(.init("sample", .int)) }
    columns += [.init("source", .string), .init("explanation", .string)]
    let rows = entries.map { e -> [Value] in
      var row: [Value] = [.int(e.layer), .int(e.neuron)]
      if several { row.append(.int(e.sample)) }
      row += [.string(e.source.split(separator: "#").first.map(String.init) ?? e.source), e.text.map(Value.string) ?? .null]
      return row
    }
    return Table(columns: columns, rows: rows)
  }
}

extension ValueType {
  public static var explanations: ValueType { .object(ObjectType(Explanations.self)) }
}

extension Explanations: ProvenanceNotes {
  public var provenanceNotes: [String: String] {
    var notes: [String: String] = [:]
    let sources = Set(entries.map(\.source)).sorted()
    if !sources.isEmpty { notes["backend"] = sources.joined(separator: ", ") }
    if let ledger = ledger { notes["ledger"] = ledger.summary }
    return notes
  }
}
