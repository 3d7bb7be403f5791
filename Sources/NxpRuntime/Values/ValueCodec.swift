import Foundation
import NxpCore
import NxpInterp

/// Objects that can be stored in the cache and read back exactly.
public protocol CacheCodable: RuntimeObject {
  /// Names the decoder in the entry's manifest (`"table"`, `"corpus"`, ...).
  static var typeTag: String { get }
  /// The value as named files (`value.jsonl`, `value.safetensors`, ...).
  func encode() throws -> [String: Data]
  /// Reads the value back from the entry's files (name -> path).
  static func decode(_ files: [String: String]) throws -> Self
  /// Writes the value's files into `directory` (by default what `encode` returns); large values
  /// stream their arrays instead.
  func write(into directory: String) throws
}

extension CacheCodable {
  public func write(into directory: String) throws {
    for (name, data) in try encode() {
      try data.write(to: URL(fileURLWithPath: directory + "/" + name))
    }
  }
}

/// A value that is plain `Codable` data: cached as one `value.json` with no hand-written codec.
/// Tensors and records keep safetensors; small values (explanations, scores, settings) need only
/// this.
public protocol JSONCacheable: CacheCodable {
  associatedtype Payload: Codable
  /// Everything the value holds.
  var payload: Payload { get }
  init(payload: Payload)
}

extension JSONCacheable {
  public func encode() throws -> [String: Data] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return ["value.json": try encoder.encode(payload)]
  }

  public static func decode(_ files: [String: String]) throws -> Self {
    guard let path = files["value.json"], let data = FileManager.default.contents(atPath: path) else {
      throw UserError("cached \(typeName) value is missing its file")
    }
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      return Self(payload: try decoder.decode(Payload.self, from: data))
    } catch {
      throw UserError("cached \(typeName) value is malformed: \(error)")
    }
  }
}

/// Stores any persistable value as files and reads it back. `types` are the object types it can
/// read back, by their tags; plain values (numbers, strings, lists, records) need none.
public struct ValueCodec {
  public let types: [String: any CacheCodable.Type]

  public init(types: [any CacheCodable.Type]) {
    var byTag: [String: any CacheCodable.Type] = [:]
    for t in types {
      precondition(byTag[t.typeTag] == nil, "two cacheable types share the tag \(t.typeTag)")
      byTag[t.typeTag] = t
    }
    self.types = byTag
  }

  /// The files of a value and the type tag to store in the manifest.
  public static func encode(_ value: Value) throws -> (tag: String, files: [String: Data]) {
    if case .object(let o) = value {
      guard let c = o as? any CacheCodable else { throw InternalError("\(o.valueType) values cannot be cached") }
      return (type(of: c).typeTag, try c.encode())
    }
    let json = try JSONSerialization.data(withJSONObject: ["value": jsonValue(value)], options: [.sortedKeys, .fragmentsAllowed])
    return ("scalar", ["value.json": json])
  }

  public func decode(tag: String, files: [String: String]) throws -> Value {
    if tag == "scalar" {
      guard let path = files["value.json"], let data = FileManager.default.contents(atPath: path),
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let v = object["value"]
      else { throw UserError("cached value is unreadable") }
      return try ValueCodec.value(fromJSON: v)
    }
    guard let type = types[tag] else { throw UserError("cached value has unknown type '\(tag)'") }
    return .object(try type.decode(files))
  }

  // MARK: - JSON for scalars and table cells

  /// JSON form of a plain value. Records keep their field order as a list of pairs.
  static func jsonValue(_ v: Value) throws -> Any {
    switch v {
    case .null: return NSNull()
    case .bool(let b): return b
    case .int(let i): return i
    case .float(let f): return ["float": "\(f)"]  // shortest round-trip text; JSONSerialization misreads some numbers
    case .string(let s): return s
    case .neuron(let n): return ["neuron": [n.layer, n.index]]
    case .range(let r): return ["range": [r.lowerBound, r.upperBound]]
    case .list(let items): return try items.map(jsonValue)
    case .record(let fields): return ["record": try fields.map { [$0.0, try jsonValue($0.1)] }]
    case .object(let o): throw InternalError("cannot store \(o.valueType) inside a plain value")
    }
  }

  static func value(fromJSON j: Any) throws -> Value {
    switch j {
    case is NSNull: return .null
    case let s as String: return .string(s)
    case let n as NSNumber:
      if CFGetTypeID(n) == CFBooleanGetTypeID() { return .bool(n.boolValue) }
      return .int(n.intValue)
    case let a as [Any]: return .list(try a.map(value(fromJSON:)))
    case let d as [String: Any]:
      if let f = d["float"] {
        if let n = f as? NSNumber { return .float(n.doubleValue) }
        if let s = f as? String, let d = Double(s) { return .float(d) }
      }
      if let n = d["neuron"] as? [Int], n.count == 2 { return .neuron(NeuronID(layer: n[0], index: n[1])) }
      if let r = d["range"] as? [Int], r.count == 2, r[0] <= r[1] { return .range(r[0]..<r[1]) }
      if let fields = d["record"] as? [[Any]] {
        return .record(
          try fields.map {
            guard $0.count == 2, let k = $0[0] as? String else { throw UserError("cached record is malformed") }
            return (k, try value(fromJSON: $0[1]))
          })
      }
      throw UserError("cached value is malformed")
    default: throw UserError("cached value is malformed")
    }
  }
}

#if canImport(Glibc)
  // CoreFoundation's type check for JSON booleans on Linux.
  import CoreFoundation
#endif

// MARK: - Table

extension Table: CacheCodable {
  public static let typeTag = "table"

  /// `value.jsonl` holds one JSON object per row (readable by pandas/jq); `table.json` the
  /// column order and kinds.
  public func encode() throws -> [String: Data] {
    var lines = Data()
    for row in rows {
      var object: [String: Any] = [:]
      for (c, column) in columns.enumerated() { object[column.name] = Table.plainJSON(row[c]) }
      lines.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
      lines.append(UInt8(ascii: "\n"))
    }
    let meta: [String: Any] = [
      "columns": columns.map { ["name": $0.name, "kind": $0.kind.rawValue] },
      "title": title ?? NSNull(),
    ]
    return ["value.jsonl": lines, "table.json": try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])]
  }

  public static func decode(_ files: [String: String]) throws -> Table {
    guard let metaPath = files["table.json"], let metaData = FileManager.default.contents(atPath: metaPath),
      let meta = try JSONSerialization.jsonObject(with: metaData) as? [String: Any],
      let cols = meta["columns"] as? [[String: String]],
      let rowsPath = files["value.jsonl"], let rowsData = FileManager.default.contents(atPath: rowsPath)
    else { throw UserError("cached table is unreadable") }
    let columns = try cols.map { c -> Column in
      guard let name = c["name"], let kind = c["kind"].flatMap(Kind.init(rawValue:)) else { throw UserError("cached table is malformed") }
      return Column(name, kind)
    }
    let rows = try TableRows.decode(rowsData, columns: columns)  // exact numbers, unlike JSONSerialization
    return Table(columns: columns, rows: rows, title: meta["title"] as? String)
  }

  /// Cells as plain JSON: numbers, strings, booleans, `"6:123"` for neurons, null for none and NaN.
  static func plainJSON(_ v: Value) -> Any {
    switch v {
    case .int(let i): return i
    case .float(let f): return f.isFinite ? f : f.isNaN ? NSNull() : f > 0 ? "inf" : "-inf"
    case .string(let s): return s
    case .bool(let b): return b
    case .neuron(let n): return n.description
    default: return NSNull()
    }
  }

  /// Comma-separated values with a header row (RFC 4180 quoting).
  public func csv() -> Data {
    func field(_ s: String) -> String {
      s.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    var out = columns.map { field($0.name) }.joined(separator: ",") + "\n"
    for row in rows {
      out +=
        row.map { v -> String in
          switch v {
          case .null: return ""
          case .float(let f): return f.isNaN ? "" : formatFloat(f)
          case .string(let s): return field(s)
          default: return field(v.description)
          }
        }.joined(separator: ",") + "\n"
    }
    return Data(out.utf8)
  }
}

// MARK: - Corpus

extension Corpus: CacheCodable {
  public static let typeTag = "corpus"

  public func encode() throws -> [String: Data] {
    ["value.jsonl": CorpusReader.jsonLinesData(documents), "corpus.json": try JSONSerialization.data(withJSONObject: ["origin": origin])]
  }

  public static func decode(_ files: [String: String]) throws -> Corpus {
    guard let path = files["value.jsonl"], let metaPath = files["corpus.json"],
      let metaData = FileManager.default.contents(atPath: metaPath),
      let meta = try JSONSerialization.jsonObject(with: metaData) as? [String: Any]
    else { throw UserError("cached corpus is unreadable") }
    return Corpus(documents: try CorpusReader.jsonLines(path: path, field: "text"), origin: meta["origin"] as? String ?? "?")
  }
}
