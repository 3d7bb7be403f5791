import Foundation

/// A value in the canonical form that cache keys are hashed from.
///
/// Ints and floats stay distinct (`1` is not `1.0`), floats are encoded by bit pattern, record
/// fields are sorted by name, and every other kind of value (a neuron, a range) carries its own
/// tag, so equal meaning gives equal bytes and nothing else does.
public indirect enum CanonicalValue: Hashable, Sendable {
  case null
  case bool(Bool)
  case int(Int64)
  case float(Double)
  case string(String)
  case list([CanonicalValue])
  case record([String: CanonicalValue])
  /// A value of a kind the cases above do not name, as its kind and its payload: a neuron is
  /// `tagged("neuron", [layer, index])`, never the same bytes as a list or record of the same ints.
  case tagged(String, CanonicalValue)

  /// A self-delimiting byte encoding: a type tag, then a length or fixed-width payload.
  public func encoded() -> Data {
    var out = Data()
    encode(into: &out)
    return out
  }

  public var sha256: String { ContentHash.hex(encoded()) }

  private func encode(into out: inout Data) {
    switch self {
    case .null:
      out.append(UInt8(ascii: "N"))
    case .bool(let b):
      out.append(UInt8(ascii: b ? "T" : "F"))
    case .int(let i):
      out.append(UInt8(ascii: "i"))
      appendFixed(UInt64(bitPattern: i), to: &out)
    case .float(let f):
      out.append(UInt8(ascii: "f"))
      // -0.0 and 0.0 mean the same parameter; every NaN is one NaN.
      let normal = f == 0 ? 0.0 : (f.isNaN ? Double.nan : f)
      appendFixed(normal.bitPattern, to: &out)
    case .string(let s):
      out.append(UInt8(ascii: "s"))
      let bytes = Data(s.utf8)
      appendFixed(UInt64(bytes.count), to: &out)
      out.append(bytes)
    case .list(let items):
      out.append(UInt8(ascii: "l"))
      appendFixed(UInt64(items.count), to: &out)
      for item in items { item.encode(into: &out) }
    case .record(let fields):
      out.append(UInt8(ascii: "r"))
      appendFixed(UInt64(fields.count), to: &out)
      for key in fields.keys.sorted() {
        CanonicalValue.string(key).encode(into: &out)
        fields[key]!.encode(into: &out)
      }
    case .tagged(let tag, let payload):
      out.append(UInt8(ascii: "t"))
      CanonicalValue.string(tag).encode(into: &out)
      payload.encode(into: &out)
    }
  }

  private func appendFixed(_ v: UInt64, to out: inout Data) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
  }

  /// A JSON form for manifests and `nxp cache info` (lossless for ints; floats as numbers).
  public var json: Any {
    switch self {
    case .null: return NSNull()
    case .bool(let b): return b
    case .int(let i): return i
    case .float(let f): return f.isFinite ? f : String(f)
    case .string(let s): return s
    case .list(let l): return l.map(\.json)
    case .record(let r): return r.mapValues(\.json)
    case .tagged(let tag, let payload): return [tag: payload.json]
    }
  }

  /// Human-readable rendering used in `:why` and `plan` output.
  public var display: String {
    switch self {
    case .null: return "none"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let f): return formatFloat(f)
    case .string(let s): return "\"\(s)\""
    case .list(let l): return "[" + l.map(\.display).joined(separator: ", ") + "]"
    case .record(let r): return "{" + r.keys.sorted().map { "\($0): \(r[$0]!.display)" }.joined(separator: ", ") + "}"
    case .tagged("neuron", .list(let p)) where p.count == 2: return "\(p[0].display):\(p[1].display)"
    case .tagged("range", .list(let p)) where p.count == 2: return "\(p[0].display)..<\(p[1].display)"
    case .tagged(let tag, let payload): return "\(tag)(\(payload.display))"
    }
  }
}

/// Shortest decimal text that reads back to the same Double, with a ".0" so it reads as a float.
public func formatFloat(_ f: Double) -> String {
  if f.isNaN { return "nan" }
  if f.isInfinite { return f < 0 ? "-inf" : "inf" }
  var s = "\(f)"
  if !s.contains(".") && !s.contains("e") { s += ".0" }
  return s
}
