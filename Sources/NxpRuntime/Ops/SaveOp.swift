import Foundation
import NxpCore
import NxpFormats
import NxpInterp

#if canImport(Glibc)
  import Glibc
#endif

/// `save(value, to: "out/acts.safetensors")`: writes a value in the format its extension names.
final class SaveOp: Primitive {
  let name = "save"
  let version = 1
  let isSink = true
  let persists = false
  var params: [Param] {
    [
      Param("value", .any, positional: true, doc: "what to write"),
      Param("to", .string, doc: "the file: .safetensors (tensors), .jsonl or .csv (tables), .json (any plain value)"),
      Param(
        "format", .oneOf([.string, .null]), default: .null,
        doc: "\"neuron-explainer\": neuron sets and records as NeuronRecord files, {layer}/{neuron}.json under the folder `to`"),
    ]
  }
  let summary = "writes a value to a file: safetensors for tensors and records, JSON Lines or CSV for tables, NeuronRecord JSON"
  let example = "save(scores, to: \"out/scores.csv\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .unit }

  static func exportable(_ value: Value) -> (any JSONLinesExportable)? {
    if case .object(let o as any JSONLinesExportable) = value { return o }
    return nil
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let path = ctx.plan.resolve(try args.string("to"))
    if let format = try args.optionalString("format") {
      guard format == "neuron-explainer" else {
        throw UserError("save: unknown format \"\(TerminalText.visible(format))\"; the one format is \"neuron-explainer\"")
      }
      try SaveOp.writeNeuronExplainer(args["value"], to: path, written: try args.string("to"))
      return .null
    }
    let ext = (path as NSString).pathExtension.lowercased()
    let value = args["value"]
    let data: Data
    switch ext {
    case "csv", "jsonl", "ndjson":
      // Values with arrays per row (simulations) have a JSON Lines form richer than their table.
      if ext != "csv", let exportable = Self.exportable(value) {
        data = try exportable.jsonLines()
        break
      }
      guard case .object(let o as any Tabular) = value else {
        throw UserError("save: .\(ext) files hold tables; \(value.type) is not tabular (use .json or .safetensors)")
      }
      let table = o.asTable()
      data = ext == "csv" ? table.csv() : try table.encode()["value.jsonl"]!
    case "safetensors":
      guard case .object(let o as any CacheCodable) = value else {
        throw UserError("save: .safetensors files hold tensors; got \(value.type)")
      }
      // Streamed into a folder beside the destination, then renamed over it.
      let dir = (path as NSString).deletingLastPathComponent
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      let staging = dir + "/.nxp-save-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
      defer { try? FileManager.default.removeItem(atPath: staging) }
      try o.write(into: staging)
      guard FileManager.default.fileExists(atPath: staging + "/value.safetensors") else {
        throw UserError("save: \(value.type) has no tensor form; save it as .jsonl or .csv")
      }
      guard rename(staging + "/value.safetensors", path) == 0 else {
        throw UserError("save: cannot write '\(path)': \(String(cString: strerror(errno)))")
      }
      return .null
    case "json":
      if case .object(let o as any Tabular) = value {
        let t = o.asTable()
        let rows = t.rows.map { row in Dictionary(uniqueKeysWithValues: zip(t.columns.map(\.name), row.map(Table.plainJSON))) }
        data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
      } else if case .object = value {
        throw UserError("save: \(value.type) cannot be written as .json")
      } else {
        data = try JSONSerialization.data(
          withJSONObject: ValueCodec.jsonValue(value), options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
      }
    default:
      if ext.isEmpty {
        throw UserError(
          "save: '\(try args.string("to"))' has no file extension to tell the format; end it with .safetensors, .jsonl, .csv or .json")
      }
      throw UserError("save: unknown file type \".\(ext)\"; use .safetensors, .jsonl, .csv or .json")
    }
    try AtomicFile.write(data, to: path)
    return .null
  }
}

extension SaveOp {
  /// One neuron-explainer `NeuronRecord` file per neuron, `{layer}/{index}.json` under the folder
  /// `path`, or the one neuron's record when `path` ends in `.json`. Each file is written
  /// atomically; other files in the folder are left alone.
  static func writeNeuronExplainer(_ value: Value, to path: String, written: String) throws {
    var records: [NeuronRecord] = []
    switch value {
    case .object(let set as NeuronSet): records = set.neurons.indices.map(set.neuronRecord(at:))
    case .object(let r as Records):
      let tokens = r.excerpts.excerptTokens
      records = r.records.neuronIDs.map { r.records.record(of: $0, tokens: tokens) }
    case .object(let one as NeuronRecordValue): records = [one.record]
    default:
      throw UserError("save: the neuron-explainer format holds neuron sets and records; got \(value.type)")
    }
    if (path as NSString).pathExtension.lowercased() == "json" {
      guard records.count == 1 else {
        throw UserError(
          "save: '\(TerminalText.visible(written))' is one file but there are \(records.count) neurons; give a folder to write {layer}/{neuron}.json in"
        )
      }
      try AtomicFile.write(try NeuronExplainerFormat.encode(records[0]), to: path)
      return
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw UserError(
        "save: '\(TerminalText.visible(written))' is a file; the neuron-explainer format writes a folder (or a .json file for one neuron)")
    }
    for r in records {
      try Cancellation.check()
      let dir = path + "/\(r.id.layer)"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try AtomicFile.write(try NeuronExplainerFormat.encode(r), to: dir + "/\(r.id.index).json")
    }
  }
}
