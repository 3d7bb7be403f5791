import Foundation
import NxpCore
import NxpInterp

/// Reads the rows of a cached table (`value.jsonl`) back exactly as they were computed.
///
/// JSONSerialization on Linux parses some 16- and 17-digit numbers one or two units in the last
/// place off (`0.7127640843391418` reads back as `0.7127640843391416`), so a table loaded from
/// the cache printed and saved different last digits than the same table computed fresh.
/// JSONDecoder parses numbers exactly, and the writer prints each Double's shortest
/// round-trip form, so the round trip is now the identity: a computed value already is what the
/// cache holds. Infinities are written as "inf" and "-inf" (JSON has no spelling for them), NaN
/// as null.
enum TableRows {
  /// One JSON value of a row, numbers kept both as an integer (when they are one) and a Double,
  /// so integer columns keep all 64 bits and float columns keep the sign of -0.
  enum Cell: Decodable {
    case null
    case bool(Bool)
    case number(int: Int64?, double: Double?)
    case string(String)

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if c.decodeNil() {
        self = .null
      } else if let b = try? c.decode(Bool.self) {
        self = .bool(b)
      } else if let s = try? c.decode(String.self) {
        self = .string(s)
      } else {
        let i = try? c.decode(Int64.self)
        let d = try? c.decode(Double.self)
        guard i != nil || d != nil else {
          throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a table cell")
        }
        self = .number(int: i, double: d)
      }
    }
  }

  /// Decodes every non-empty line of `data` in one pass (as one JSON array).
  static func decode(_ data: Data, columns: [Table.Column]) throws -> [[Value]] {
    var array = Data([UInt8(ascii: "[")])
    array.reserveCapacity(data.count + 2)
    var first = true
    for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
      if !first { array.append(UInt8(ascii: ",")) }
      array.append(contentsOf: line)
      first = false
    }
    array.append(UInt8(ascii: "]"))
    let objects: [[String: Cell]]
    do {
      objects = try JSONDecoder().decode([[String: Cell]].self, from: array)
    } catch {
      throw UserError("cached table is malformed")
    }
    return objects.map { object in columns.map { value(object[$0.name] ?? .null, $0.kind) } }
  }

  static func value(_ cell: Cell, _ kind: Table.Kind) -> Value {
    switch (kind, cell) {
    case (.float, .number(_, let d?)): return .float(d)
    case (.float, .number(let i?, nil)): return .float(Double(i))
    case (.float, .string("inf")): return .float(.infinity)
    case (.float, .string("-inf")): return .float(-.infinity)
    case (.float, _): return .float(.nan)
    case (.int, .number(let i?, _)): return .int(Int(i))
    case (.int, .number(nil, let d?)): return Int(exactly: d).map { .int($0) } ?? .null
    case (.bool, .bool(let b)): return .bool(b)
    case (.bool, .number(let i?, _)): return .bool(i != 0)
    case (.string, .string(let s)): return .string(s)
    case (.neuron, .string(let s)):
      let parts = s.split(separator: ":").compactMap { Int($0) }
      return parts.count == 2 ? .neuron(NeuronID(layer: parts[0], index: parts[1])) : .null
    default: return .null
    }
  }
}
