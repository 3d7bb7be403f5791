import Foundation
import NxpFormats
import NxpTestSupport

/// What `Tests/Reference/gguf_reference.py dump` prints, decoded.
struct GGUFDump: Decodable {
  /// A typed metadata value: scalars as text (floats as their bit pattern), arrays as items.
  struct Value: Decodable, Equatable, CustomStringConvertible {
    var type: String
    var value: String?
    var items: [Value]?

    var description: String {
      if let items { return "ARRAY[\(items.count)]" + (items.first.map { " of \($0)" } ?? "") }
      return "\(type)(\(value ?? "nil"))"
    }
  }

  struct Field: Decodable {
    var key: String
    var value: Value
  }

  struct Tensor: Decodable {
    var name: String
    var type: UInt32
    var dims: [Int]
    var offset: Int
    var n_bytes: Int
    var sha256: String
    var values: [Double]?
  }

  var version: UInt32
  var alignment: Int
  var data_offset: Int
  var fields: [Field]
  var tensors: [Tensor]

  static func of(_ path: String) throws -> GGUFDump {
    try JSONDecoder().decode(GGUFDump.self, from: PythonReference.run("gguf_reference.py", ["dump", path]))
  }
}

extension GGUFValue {
  /// This value in the reference dump's form.
  var reference: GGUFDump.Value {
    switch self {
    case .uint8(let v): return .init(type: "UINT8", value: String(v))
    case .int8(let v): return .init(type: "INT8", value: String(v))
    case .uint16(let v): return .init(type: "UINT16", value: String(v))
    case .int16(let v): return .init(type: "INT16", value: String(v))
    case .uint32(let v): return .init(type: "UINT32", value: String(v))
    case .int32(let v): return .init(type: "INT32", value: String(v))
    case .uint64(let v): return .init(type: "UINT64", value: String(v))
    case .int64(let v): return .init(type: "INT64", value: String(v))
    case .float32(let v): return .init(type: "FLOAT32", value: String(v.bitPattern))
    case .float64(let v): return .init(type: "FLOAT64", value: String(v.bitPattern))
    case .bool(let v): return .init(type: "BOOL", value: v ? "true" : "false")
    case .string(let s): return .init(type: "STRING", value: s)
    case .array(let items): return .init(type: "ARRAY", items: items.map(\.reference))
    }
  }
}
