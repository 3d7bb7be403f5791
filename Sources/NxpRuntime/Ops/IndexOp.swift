import Foundation
import NxpCore
import NxpInterp

/// `x[i]` on computed values: a table row, a corpus document, one neuron of a set (`top[6:123]`).
final class IndexOp: Primitive {
  let name = "index"
  let version = 1
  var params: [Param] {
    [
      Param("value", .oneOf([.table, .corpus, .excerpts, .neuronSet, .records]), positional: true, doc: "what to index"),
      Param("index", .oneOf([.int, .neuron]), positional: true, doc: "a position, or a neuron such as 6:123"),
    ]
  }
  let summary = "one item of a value: x[3] is a row, a document or an excerpt; top[6:123] is one neuron"
  let example = "show top[6:123]"

  func resultType(_ args: [String: ValueType]) throws -> ValueType {
    switch (args["value"], args["index"]) {
    case (.table?, .int?): return .record
    case (.corpus?, .int?): return .string
    case (.excerpts?, .int?): return .excerpts
    case (.neuronSet?, _): return .neuronSet
    case (.records?, .neuron?): return .neuronRecord
    case (let v?, let i?): throw UserError("cannot index \(v) with \(i)")
    default: return .any
    }
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    guard case .object(let o) = args["value"] else { throw UserError("cannot index \(args["value"].type)") }
    if let i = args["index"].int {
      if let t = o as? Table {
        guard t.rows.indices.contains(i) else { throw UserError("row \(i) is out of range: the table has \(t.rows.count) rows") }
        return .record(Array(zip(t.columns.map(\.name), t.rows[i])))
      }
      if let c = o as? Corpus {
        guard c.documents.indices.contains(i) else { throw UserError("document \(i) is out of range: the corpus has \(c.documents.count)") }
        return .string(c.documents[i])
      }
      if let s = o as? Sliceable {
        guard i >= 0 && i < s.itemCount else { throw UserError("item \(i) is out of range: there are \(s.itemCount)") }
        return .object(s.slice(i..<(i + 1)))
      }
    }
    if case .neuron(let n) = args["index"], let s = o as? NeuronIndexable {
      return .object(try s.neuron(n))
    }
    throw UserError("cannot index \(o.valueType) with \(args["index"].type)")
  }
}

/// Values that hold several neurons and can hand out one (`top[6:123]`).
public protocol NeuronIndexable: RuntimeObject {
  func neuron(_ id: NeuronID) throws -> RuntimeObject
}
