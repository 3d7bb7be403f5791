import Foundation
import NxpCore
import NxpInterp

/// What a kind of object can do. Parameters ask for a capability ("anything tabular") rather
/// than a list of types, so a new value type works with every primitive that needs only what it
/// can do. Each capability is a protocol the type's class conforms to.
public enum Capability: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
  /// `Tabular`: turns into a table, so `table`, `sort`, `where`, `select` and `save` to
  /// .csv/.jsonl/.json apply.
  case tabular
  /// `Sliceable`: a sequence of items, so `head` and `tail` apply.
  case sliceable
  /// `PositionIndexable`: `x[3]` gives one item.
  case positionIndexable
  /// `NeuronIndexable`: `x[6:123]` gives one neuron's part.
  case neuronIndexable
  /// `CacheCodable`: stored in the disk cache and read back exactly.
  case cacheable

  /// How a message names a value with the capability.
  public var description: String {
    switch self {
    case .tabular: return "Tabular"
    case .sliceable: return "Sliceable"
    case .positionIndexable: return "Indexable"
    case .neuronIndexable: return "NeuronIndexable"
    case .cacheable: return "Cacheable"
    }
  }

  /// What a help line says a value of the capability is.
  public var meaning: String {
    switch self {
    case .tabular: return "a value that turns into a table (a table, corpus, excerpts, records, neuron set...)"
    case .sliceable: return "a sequence of items (a table, corpus, excerpts, neuron set...)"
    case .positionIndexable: return "a value with numbered items (a table, corpus, excerpts...)"
    case .neuronIndexable: return "a value that holds neurons (records, a neuron set...)"
    case .cacheable: return "a value the cache can store"
    }
  }
}

/// The static type of an object value: the class that implements it. Its name and capabilities
/// come from the class itself, so a value type is declared in one place.
public struct ObjectType: Hashable, CustomStringConvertible, @unchecked Sendable {
  public let implementation: any RuntimeObject.Type

  public init(_ implementation: any RuntimeObject.Type) {
    self.implementation = implementation
  }

  public var name: String { implementation.typeName }
  public var description: String { name }

  public func has(_ capability: Capability) -> Bool {
    switch capability {
    case .tabular: return implementation is any Tabular.Type
    case .sliceable: return implementation is any Sliceable.Type
    case .positionIndexable: return implementation is any PositionIndexable.Type
    case .neuronIndexable: return implementation is any NeuronIndexable.Type
    case .cacheable: return implementation is any CacheCodable.Type
    }
  }

  public var capabilities: [Capability] { Capability.allCases.filter(has) }

  /// The type of `x[i]`, if the type has numbered items.
  public var positionItemType: ValueType? { (implementation as? any PositionIndexable.Type)?.itemType }
  /// The type of `x[6:123]`, if the type holds neurons.
  public var neuronItemType: ValueType? { (implementation as? any NeuronIndexable.Type)?.neuronItemType }

  public static func == (a: ObjectType, b: ObjectType) -> Bool {
    ObjectIdentifier(a.implementation) == ObjectIdentifier(b.implementation)
  }

  public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(implementation)) }
}

// MARK: - Capabilities

/// Values that are sequences of items (rows, documents, excerpts, neurons), so `head` and
/// `tail` work on all of them.
public protocol Sliceable: RuntimeObject {
  var itemCount: Int { get }
  /// The items in `range` (within `0..<itemCount`), as a value of the same type.
  func slice(_ range: Range<Int>) -> RuntimeObject
}

/// Values that can be turned into a table (`table(x)`), so `sort`, `where` and `select` apply.
public protocol Tabular: RuntimeObject {
  func asTable() -> Table
}

/// Values with numbered items: `x[3]` is a table's row, a corpus's document, one excerpt.
public protocol PositionIndexable: RuntimeObject {
  /// The static type of one item.
  static var itemType: ValueType { get }
  var itemCount: Int { get }
  /// The item at `index`, which the caller has checked is within `0..<itemCount`.
  func item(at index: Int) throws -> Value
  /// What an item is called in messages ("row", "document").
  static var itemNoun: String { get }
}

extension PositionIndexable {
  public static var itemNoun: String { "item" }
}

/// Values that hold several neurons and can hand out one (`top[6:123]`).
public protocol NeuronIndexable: RuntimeObject {
  /// The static type of one neuron's part.
  static var neuronItemType: ValueType { get }
  func neuron(_ id: NeuronID) throws -> RuntimeObject
}

// MARK: - Default renderings

extension RuntimeObject {
  public var valueType: ValueType { .object(ObjectType(Self.self)) }
  public func render(_ style: RenderStyle) -> String { summary + "\n" }
}
