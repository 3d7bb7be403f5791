import Foundation
import NxpCore
import NxpInterp

/// A runtime value. Scalars and containers are plain enums; the pipeline's large values (models,
/// corpora, records, tables, tensors) are objects that know how to summarise, render and cache
/// themselves.
public indirect enum Value: CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  case neuron(NeuronID)
  /// A half-open integer range (`0..<30`; `0...29` is stored as `0..<30`).
  case range(Range<Int>)
  case list([Value])
  /// Fields in the order written.
  case record([(String, Value)])
  case object(RuntimeObject)

  public var type: ValueType {
    switch self {
    case .null: return .null
    case .bool: return .bool
    case .int: return .int
    case .float: return .float
    case .string: return .string
    case .neuron: return .neuron
    case .range: return .range
    case .list(let items):
      guard let first = items.first?.type else { return .list(.any) }
      return items.allSatisfy { $0.type == first } ? .list(first) : .list(.any)
    case .record: return .record
    case .object(let o): return o.valueType
    }
  }

  // MARK: - Accessors used by primitives (arguments are type-checked before they run)

  public var int: Int? {
    if case .int(let i) = self { return i }
    return nil
  }

  public var double: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .float(let f): return f
    default: return nil
    }
  }

  public var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var bool: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  public var isNone: Bool {
    if case .null = self { return true }
    return false
  }

  /// An Int, a list of Ints or a range, as a list of Ints.
  public var ints: [Int]? {
    switch self {
    case .int(let i): return [i]
    case .range(let r): return Array(r)
    case .list(let items):
      var out: [Int] = []
      for item in items {
        guard let i = item.int else { return nil }
        out.append(i)
      }
      return out
    default: return nil
    }
  }

  /// A string or a list of strings.
  public var strings: [String]? {
    switch self {
    case .string(let s): return [s]
    case .list(let items):
      var out: [String] = []
      for item in items {
        guard let s = item.string else { return nil }
        out.append(s)
      }
      return out
    default: return nil
    }
  }

  public func object<T: RuntimeObject>(_: T.Type) -> T? {
    if case .object(let o) = self { return o as? T }
    return nil
  }

  // MARK: - Canonical form for cache keys

  /// The canonical form of a constant argument; objects never appear here (they are node inputs).
  public var canonical: CanonicalValue {
    switch self {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(Int64(i))
    case .float(let f): return .float(f)
    case .string(let s): return .string(s)
    case .neuron(let n): return .tagged("neuron", .list([.int(Int64(n.layer)), .int(Int64(n.index))]))
    case .range(let r): return .tagged("range", .list([.int(Int64(r.lowerBound)), .int(Int64(r.upperBound))]))
    case .list(let items): return .list(items.map(\.canonical))
    case .record(let fields):
      var d: [String: CanonicalValue] = [:]
      for (k, v) in fields { d[k] = v.canonical }
      return .record(d)
    case .object(let o): return .tagged("object", .string("\(o.valueType)"))
    }
  }

  /// Source-like text: what a user would write to get this value.
  public var description: String {
    switch self {
    case .null: return "none"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let f): return formatFloat(f)
    case .string(let s):
      return "\""
        + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(
          of: "\n", with: "\\n") + "\""
    case .neuron(let n): return n.description
    case .range(let r): return "\(r.lowerBound)..<\(r.upperBound)"
    case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .record(let fields): return "{" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
    case .object(let o): return o.summary
    }
  }
}

/// A large value produced by a primitive: a model, corpus, excerpts, records, table or tensor.
///
/// A value type is declared in one place, its class: its name for messages (`typeName`), what
/// `show` prints (`summary`, `render`), and what it can do, by conforming to the capability
/// protocols (`Tabular`, `Sliceable`, `PositionIndexable`, `NeuronIndexable`, and
/// `CacheCodable` or `JSONCacheable` to be cached). A cacheable type is also listed once in
/// `PrimitiveRegistry.standard`'s types so the cache can read it back.
public protocol RuntimeObject: AnyObject {
  /// The type's name in messages and signatures (`"Table"`).
  static var typeName: String { get }
  /// The static type of the value (by default the object type of its class).
  var valueType: ValueType { get }
  /// One line: what it is and how big.
  var summary: String { get }
  /// What `show` prints: a table, a preview, shaded excerpts (by default the summary).
  func render(_ style: RenderStyle) -> String
}

/// A value with more to say in its provenance than its arguments say: what its language-model
/// requests cost, which backend answered. Kept in its manifest's `info`, shown by `:prov`.
public protocol ProvenanceNotes {
  /// Short lines by name (`"ledger": "12 requests, 4,210 tokens in, ..."`); never secrets.
  var provenanceNotes: [String: String] { get }
}

/// How `show` output is drawn.
public struct RenderStyle: Sendable {
  /// ANSI colours and shading (a terminal); off for pipes, files and tests.
  public var colors: Bool
  /// Rows shown before "... N more".
  public var maxRows: Int
  /// Terminal width in columns.
  public var width: Int

  /// 24-bit shading of activations when colours are on (else the 256-colour palette).
  public var truecolor: Bool

  public init(colors: Bool = false, truecolor: Bool = false, maxRows: Int = 20, width: Int = 100) {
    self.colors = colors
    self.truecolor = truecolor
    self.maxRows = maxRows
    self.width = width
  }

  /// A terminal's style: colours when `colors`, 24-bit shading when the environment announces it
  /// (`ActivationRenderer.forOutput`'s rule: COLORTERM=truecolor or 24bit).
  public static func terminal(colors: Bool, environment: [String: String], maxRows: Int = 20, width: Int) -> RenderStyle {
    let shading = ActivationRenderer.forOutput(isTerminal: colors, environment: environment).style
    return RenderStyle(colors: colors, truecolor: shading == .truecolor, maxRows: maxRows, width: width)
  }

  /// How records are shaded in this style.
  public var activationRenderer: ActivationRenderer {
    ActivationRenderer(style: !colors ? .plain : truecolor ? .truecolor : .ansi256)
  }
}
