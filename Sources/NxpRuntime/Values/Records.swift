import Foundation
import NxpCore
import NxpInterp

/// What `record` produced: per-neuron top, random and quantile excerpts with their token
/// activations and summary statistics, plus the excerpts they index into.
public final class Records: RuntimeObject {
  public let records: NeuronRecords
  public let excerpts: Excerpts
  /// The subject model, for summaries.
  public let modelName: String

  public init(records: NeuronRecords, excerpts: Excerpts, modelName: String) {
    self.records = records
    self.excerpts = excerpts
    self.modelName = modelName
  }

  public static let typeName = "Records"
  var configuration: RecordConfiguration { records.configuration }

  public var summary: String {
    let c = configuration
    let layers = c.layers.count == 1 ? "layer \(c.layers[0])" : "\(c.layers.count) layers (\(Records.describe(c.layers)))"
    return
      "Records of \(modelName), \(layers): \(c.neuronsPerLayer) neurons per layer over \(records.excerptsRecorded) excerpts x \(c.tokensPerExcerpt) tokens (kept per neuron: top \(c.top), random \(c.random), \(c.perQuantile) per quantile bucket)"
  }

  /// `[0, 1, 2, 5]` as `0...2, 5`.
  static func describe(_ xs: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < xs.count {
      var j = i
      while j + 1 < xs.count && xs[j + 1] == xs[j] + 1 { j += 1 }
      parts.append(j - i >= 2 ? "\(xs[i])...\(xs[j])" : (i...j).map { String(xs[$0]) }.joined(separator: ", "))
      i = j + 1
    }
    return parts.joined(separator: ", ")
  }

  public func render(_ style: RenderStyle) -> String {
    var out = summary + "\n"
    let t = asTable()
    guard let c = t.columnIndex("max") else { return out }
    let top = t.rows.indices.sorted { compareCells(t.rows[$0][c], t.rows[$1][c]) > 0 }.prefix(min(5, style.maxRows))
    out += "neurons with the highest activations:\n"
    out += Table(columns: t.columns, rows: top.map { t.rows[$0] }).render(style)
    return out
  }
}

extension Records: Tabular, NeuronIndexable {
  public static let neuronItemType = ValueType.neuronRecord

  /// One row per neuron: where it is, its largest activation and its moments.
  public func asTable() -> Table {
    Table(columns: NeuronStatsColumns.columns, rows: records.neuronIDs.map { NeuronStatsColumns.cells($0, records.stats(of: $0)) })
  }

  public func neuron(_ id: NeuronID) throws -> RuntimeObject {
    guard records.contains(id) else { throw UserError("neuron \(id) is not in these records (\(Records.layersAndSize(configuration)))") }
    return NeuronRecordValue(record: records.record(of: id, tokens: excerpts.excerptTokens))
  }

  static func layersAndSize(_ c: RecordConfiguration) -> String {
    "layers \(describe(c.layers)), neurons 0..<\(c.neuronsPerLayer)"
  }
}

extension Records: CacheCodable {
  public static let typeTag = "records"

  public func encode() throws -> [String: Data] {
    let (arrays, metadata) = try flattened()
    return ["value.safetensors": try SafeTensorsArrays.encode(arrays, metadata: metadata)]
  }

  public func write(into directory: String) throws {
    let (arrays, metadata) = try flattened()
    try SafeTensorsArrays.write(arrays, metadata: metadata, to: directory + "/value.safetensors")
  }

  func flattened() throws -> ([String: RecordArray], [String: String]) {
    var (arrays, metadata) = records.flattened()
    let (ea, em) = try excerpts.flattened(prefix: "excerpts.")
    arrays.merge(ea) { a, _ in a }
    metadata.merge(em) { a, _ in a }
    metadata["model"] = modelName
    return (arrays, metadata)
  }

  public static func decode(_ files: [String: String]) throws -> Records {
    guard let path = files["value.safetensors"] else { throw UserError("cached records are missing their file") }
    let (arrays, metadata) = try SafeTensorsArrays.decode(path: path)
    let excerpts = try Excerpts.decode(arrays: arrays, metadata: metadata, prefix: "excerpts.")
    return Records(records: try NeuronRecords(arrays: arrays, metadata: metadata), excerpts: excerpts, modelName: metadata["model"] ?? "?")
  }
}

/// One neuron's full record (`acts[6:123]`): its top excerpts, quantile samples and random
/// sample drawn with activations as shading.
public final class NeuronRecordValue: RuntimeObject {
  public let record: NeuronRecord
  public init(record: NeuronRecord) { self.record = record }
  public static let typeName = "NeuronRecord"
  public var summary: String {
    String(
      format: "Neuron %@: max %.3f, mean %.3f, variance %.3f", record.id.description, record.stats.maxActivation, record.mean,
      record.variance)
  }
  public func render(_ style: RenderStyle) -> String {
    style.activationRenderer.render(record)
  }
}

extension NeuronRecordValue: JSONCacheable {
  public static let typeTag = "neuron-record"
  /// JSON in neuron-explainer's field layout (tokens and activations per record).
  public var payload: NeuronRecord { record }
  public convenience init(payload: NeuronRecord) { self.init(record: payload) }
}
