/// The static type of a value, checked before anything runs so a script with a wrong argument
/// fails in milliseconds instead of after an hour of recording.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
  case any
  case null
  case bool
  case int
  case float
  case string
  case neuron
  case range
  case list(ValueType)
  case record
  /// A value of one object type (a model, a table, records...).
  case object(ObjectType)
  /// Any object type with this capability (`table(x)` takes anything tabular).
  case capable(Capability)
  /// What sinks such as `save` return.
  case unit
  /// Any one of several types (e.g. `layers:` takes an Int, a list of Ints or a range).
  case oneOf([ValueType])

  public static let number: ValueType = .oneOf([.int, .float])
  public static let intList: ValueType = .oneOf([.int, .list(.int), .range])

  /// Whether a value of type `self` can be passed where `target` is expected.
  public func conforms(to target: ValueType) -> Bool {
    if self == target { return true }
    switch (self, target) {
    case (_, .any), (.any, _): return true
    case (.oneOf(let mine), _): return mine.allSatisfy { $0.conforms(to: target) }
    case (_, .oneOf(let options)): return options.contains { self.conforms(to: $0) }
    case (.int, .float): return true
    case (.range, .list(let e)): return ValueType.int.conforms(to: e)
    case (.list(let a), .list(let b)): return a.conforms(to: b)
    case (.object(let t), .capable(let c)): return t.has(c)
    default: return false
    }
  }

  public var description: String {
    switch self {
    case .any: return "Any"
    case .null: return "None"
    case .bool: return "Bool"
    case .int: return "Int"
    case .float: return "Float"
    case .string: return "String"
    case .neuron: return "Neuron"
    case .range: return "Range"
    case .list(let e): return "[\(e)]"
    case .record: return "Record"
    case .object(let t): return t.name
    case .capable(let c): return c.description
    case .unit: return "Nothing"
    case .oneOf(let ts):
      if Set(ts) == [.int, .float] { return "Number" }
      return ts.map(\.description).joined(separator: " or ")
    }
  }

  /// Help lines that say what the capabilities named in this type mean.
  public var capabilityHelp: [String] {
    switch self {
    case .capable(let c): return ["\(c) means \(c.meaning)"]
    case .oneOf(let ts): return ts.flatMap(\.capabilityHelp)
    default: return []
    }
  }
}

// MARK: - The built-in object types

extension ValueType {
  public static var model: ValueType { .object(ObjectType(ModelValue.self)) }
  public static var corpus: ValueType { .object(ObjectType(Corpus.self)) }
  public static var excerpts: ValueType { .object(ObjectType(Excerpts.self)) }
  public static var records: ValueType { .object(ObjectType(Records.self)) }
  public static var neuronSet: ValueType { .object(ObjectType(NeuronSet.self)) }
  public static var neuronRecord: ValueType { .object(ObjectType(NeuronRecordValue.self)) }
  public static var tensor: ValueType { .object(ObjectType(TensorValue.self)) }
  public static var table: ValueType { .object(ObjectType(Table.self)) }
}
