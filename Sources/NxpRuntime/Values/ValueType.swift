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
  case model
  case corpus
  case excerpts
  case records
  case neuronSet
  /// One neuron's full record (top, quantile and random excerpts).
  case neuronRecord
  case tensor
  case table
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
    case .model: return "Model"
    case .corpus: return "Corpus"
    case .excerpts: return "Excerpts"
    case .records: return "Records"
    case .neuronSet: return "NeuronSet"
    case .neuronRecord: return "NeuronRecord"
    case .tensor: return "Tensor"
    case .table: return "Table"
    case .unit: return "Nothing"
    case .oneOf(let ts):
      if Set(ts) == [.int, .float] { return "Number" }
      return ts.map(\.description).joined(separator: " or ")
    }
  }
}
