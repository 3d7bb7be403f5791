import Foundation
import NxpCore
import NxpInterp

/// `x[i]` on computed values: a table row, a corpus document, one neuron of a set (`top[6:123]`).
/// Any value type that is `PositionIndexable` or `NeuronIndexable` can be indexed.
final class IndexOp: Primitive {
  let name = "index"
  let version = 1
  var params: [Param] {
    [
      Param("value", .oneOf([.capable(.positionIndexable), .capable(.neuronIndexable)]), positional: true, doc: "what to index"),
      Param("index", .oneOf([.int, .neuron]), positional: true, doc: "a position, or a neuron such as 6:123"),
    ]
  }
  let summary = "one item of a value: x[3] is a row, a document or an excerpt; top[6:123] is one neuron"
  let example = "show top[6:123]"

  func resultType(_ args: [String: ValueType]) throws -> ValueType {
    guard case .object(let t)? = args["value"], let index = args["index"] else { return .any }
    switch index {
    case .int:
      if let item = t.positionItemType { return item }
    case .neuron:
      if let item = t.neuronItemType { return item }
    default:
      break
    }
    throw UserError("cannot index \(t) with \(index)" + IndexOp.howToIndex(t))
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    guard case .object(let o) = args["value"] else { throw UserError("cannot index \(args["value"].type)") }
    if let i = args["index"].int, let s = o as? any PositionIndexable {
      let noun = type(of: s).itemNoun
      guard i >= 0 && i < s.itemCount else {
        throw UserError("\(noun) \(i) is out of range: there \(s.itemCount == 1 ? "is" : "are") \(s.itemCount) (0..<\(s.itemCount))")
      }
      return try s.item(at: i)
    }
    if case .neuron(let n) = args["index"], let s = o as? any NeuronIndexable {
      return .object(try s.neuron(n))
    }
    throw UserError("cannot index \(o.valueType) with \(args["index"].type)" + IndexOp.howToIndex(ObjectType(type(of: o))))
  }

  private static func howToIndex(_ t: ObjectType) -> String {
    switch (t.has(.positionIndexable), t.has(.neuronIndexable)) {
    case (true, true): return " (use a position such as [0] or a neuron such as [6:123])"
    case (true, false): return " (use a position such as [0])"
    case (false, true): return " (use a neuron such as [6:123])"
    case (false, false): return " (it has no items)"
    }
  }
}
