import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// One excerpt a judge was asked about, and what it answered.
public struct JudgedExcerpt: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  /// The recorded excerpt's index (as in the neuron set); -1 for none.
  public var excerpt: Int
  /// "top" (one of the neuron's valid or test top records), "random" (one of its random records
  /// there, quiet by the judge's rule) or "other" (another neuron's top record, borrowed as a
  /// negative when the neuron has too few quiet random records).
  public var group: String
  /// The line the judge read (for fuzzing, with its `<<` `>>` marks).
  public var text: String
  /// Detection: whether the neuron fires in the excerpt. Fuzzing: whether the marks are on the
  /// tokens where it fires.
  public var actual: Bool
  /// The judge's answer; nil when its reply to the batch could not be read (a failure).
  public var predicted: Bool?
  /// Which of the neuron's batches asked about it.
  public var batch: Int

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }
}

/// One batch's request and the judge's reply, kept so a failure can be read.
public struct JudgedBatch: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  public var batch: Int
  public var reply: String
  /// Whether the reply held one list of 0s and 1s of the batch's length.
  public var parsed: Bool
}

/// How well one neuron's explanation lets a judge tell its excerpts apart. Scores are nil where
/// they are undefined (no positives, no negatives, or nothing answered), never 0.
public struct JudgeRow: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  /// The explanation judged (its sample number among the neuron's explanations).
  public var sample: Int
  /// nil when the neuron has no explanation; its scores are then undefined.
  public var explanation: String?
  public var balancedAccuracy: Double?
  public var precision: Double?
  public var recall: Double?
  public var f1: Double?
  /// Excerpts answered, and excerpts whose batch reply could not be read (left out of every score).
  public var excerpts: Int
  public var failures: Int
  /// Excerpts that could not be shown (see `JudgeOp`), counted and never asked about.
  public var skipped: Int

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }

  init(id: NeuronID, sample: Int, explanation: String?, score: ClassificationScore, skipped: Int) {
    layer = id.layer
    neuron = id.index
    self.sample = sample
    self.explanation = explanation
    balancedAccuracy = score.balancedAccuracy
    precision = score.precision
    recall = score.recall
    f1 = score.f1
    excerpts = score.truePositives + score.falsePositives + score.trueNegatives + score.falseNegatives
    failures = score.failures
    self.skipped = skipped
  }
}

/// What `judge` returns: a row per neuron, every excerpt asked about with its answer, and the
/// replies.
public final class JudgeScores: RuntimeObject {
  public struct Payload: Codable, Sendable {
    /// "detection" or "fuzzing".
    public var method: String
    public var backend: String
    public var batchSize: Int
    public var seed: UInt64
    public var rows: [JudgeRow]
    public var excerpts: [JudgedExcerpt]
    public var batches: [JudgedBatch]
    public var ledger: Ledger.Totals?
  }
  public let payload: Payload
  public init(payload: Payload) { self.payload = payload }
  public var rows: [JudgeRow] { payload.rows }

  public static let typeName = "JudgeScores"

  /// The mean of a score over the neurons where it is defined, with how many those are.
  func mean(_ pick: (JudgeRow) -> Double?) -> DefinedMean { DefinedMean(rows.map(pick)) }

  public var summary: String {
    func f(_ m: DefinedMean) -> String { m.formatted(none: "none") }
    let n = rows.count
    let failures = rows.reduce(0) { $0 + $1.failures }
    let answered = rows.reduce(0) { $0 + $1.excerpts }
    let skipped = rows.reduce(0) { $0 + $1.skipped }
    var out =
      "\(payload.method.capitalized) scores of \(n) neuron\(n == 1 ? "" : "s") (\(payload.backend), batches of \(payload.batchSize)): "
      + "mean balanced accuracy \(f(mean(\.balancedAccuracy))), mean F1 \(f(mean(\.f1)))"
    out += "; \(failures) of \(answered + failures) excerpts failed (unreadable replies)"
    if skipped > 0 { out += "; \(skipped) skipped" }
    return out
  }

  public func render(_ style: RenderStyle) -> String { asTable().render(style) + summary + "\n" }
}

extension JudgeScores: JSONCacheable, Tabular, Sliceable {
  public static let typeTag = "judge-scores"
  public var itemCount: Int { rows.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject {
    let kept = Set(rows[range].map(\.id))
    var p = payload
    p.rows = Array(rows[range])
    p.excerpts = p.excerpts.filter { kept.contains($0.id) }
    p.batches = p.batches.filter { kept.contains(NeuronID(layer: $0.layer, index: $0.neuron)) }
    p.ledger = nil
    return JudgeScores(payload: p)
  }

  public func asTable() -> Table {
    let several = rows.contains { $0.sample > 0 }
    var columns: [Table.Column] = [.init("layer", .int), .init("neuron", .int)]
    if several { columns.append(.init("sample", .int)) }
    columns += [
      .init("explanation", .string), .init("balanced accuracy", .float), .init("precision", .float), .init("recall", .float),
      .init("f1", .float), .init("excerpts", .int), .init("failures", .int), .init("skipped", .int),
    ]
    func v(_ x: Double?) -> Value { x.map { .float(($0 * 1000).rounded() / 1000) } ?? .null }
    let table = rows.map { r -> [Value] in
      var row: [Value] = [.int(r.layer), .int(r.neuron)]
      if several { row.append(.int(r.sample)) }
      row += [
        r.explanation.map(Value.string) ?? .null, v(r.balancedAccuracy), v(r.precision), v(r.recall), v(r.f1), .int(r.excerpts),
        .int(r.failures), .int(r.skipped),
      ]
      return row
    }
    return Table(columns: columns, rows: table)
  }
}

extension ValueType {
  public static var judgeScores: ValueType { .object(ObjectType(JudgeScores.self)) }
}

extension JudgeScores: ProvenanceNotes {
  public var provenanceNotes: [String: String] {
    var notes: [String: String] = [:]
    notes["backend"] = payload.backend
    if let ledger = payload.ledger { notes["ledger"] = ledger.summary }
    return notes
  }
}
