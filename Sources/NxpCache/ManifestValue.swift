import Foundation
import NxpCore

/// A JSON value in a manifest: the parameters of a computation and its free-form `info`.
///
/// Integral floats read back as ints (JSON writes `1.0` as `1`); the manifest is provenance for
/// people and `:why`, never the source of a key, so that loss is harmless.
public indirect enum ManifestValue: Hashable, Sendable, Codable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([ManifestValue])
  case object([String: ManifestValue])

  /// The manifest form of a canonical parameter value; non-finite floats become strings
  /// ("inf", "nan") because JSON has no spelling for them.
  public init(_ value: CanonicalValue) {
    switch value {
    case .null: self = .null
    case .bool(let b): self = .bool(b)
    case .int(let i): self = .int(i)
    case .float(let f): self = f.isFinite ? .double(f) : .string(formatFloat(f))
    case .string(let s): self = .string(s)
    case .list(let items): self = .array(items.map(ManifestValue.init))
    case .record(let fields): self = .object(fields.mapValues(ManifestValue.init))
    // Provenance for people: a neuron reads as {"neuron": [6, 123]}.
    case .tagged(let tag, let payload): self = .object([tag: ManifestValue(payload)])
    }
  }

  // MARK: - Codable

  public init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    // Bool before numbers and Int64 before Double so each JSON token keeps its kind.
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? c.decode(Int64.self) {
      self = .int(i)
    } else if let d = try? c.decode(Double.self) {
      self = .double(d)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([ManifestValue].self) {
      self = .array(a)
    } else if let o = try? c.decode([String: ManifestValue].self) {
      self = .object(o)
    } else {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .int(let i): try c.encode(i)
    case .double(let d): try c.encode(d)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }
}
