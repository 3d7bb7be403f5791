import Foundation
import NxpCore

// MARK: - head / tail

/// The first (or last) `n` items of any sequence-like value.
final class HeadOp: Primitive {
  let name: String
  let fromEnd: Bool
  init(fromEnd: Bool) {
    self.fromEnd = fromEnd
    name = fromEnd ? "tail" : "head"
  }
  let version = 1
  var params: [Param] {
    [
      Param(
        "value", .oneOf([.capable(.sliceable), .list(.any)]), positional: true,
        doc: "a sequence: a table, corpus, excerpts, neuron set or list"),
      Param("n", .int, default: .int(10), positional: true, doc: "how many items"),
    ]
  }
  var summary: String {
    fromEnd
      ? "the last n items of a table, corpus, excerpts, neuron set or list"
      : "the first n items of a table, corpus, excerpts, neuron set or list"
  }
  var example: String { fromEnd ? "show scores |> tail(5)" : "show scores |> sort(by: \"score\", descending: true) |> head(10)" }
  func resultType(_ args: [String: ValueType]) throws -> ValueType { args["value"] ?? .any }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let n = try args.nonNegativeInt("n")
    switch args["value"] {
    case .list(let items):
      return .list(fromEnd ? Array(items.suffix(n)) : Array(items.prefix(n)))
    case .object(let o as any Sliceable):
      let count = o.itemCount
      let range = fromEnd ? max(0, count - n)..<count : 0..<min(n, count)
      return .object(o.slice(range))
    default:
      throw UserError("\(name) needs a sequence (\(Capability.sliceable.meaning)) or a list, got \(args["value"].type)")
    }
  }
}

// MARK: - table

/// Any tabular value as a table, so the table verbs apply to it.
final class TableOp: Primitive {
  let name = "table"
  let version = 1
  var params: [Param] {
    [Param("value", .capable(.tabular), positional: true, doc: "the value to tabulate")]
  }
  let summary = "a value as a table: a corpus's documents, records' per-neuron statistics, a tensor's rows"
  let example = "show acts |> table |> sort(by: \"max\", descending: true) |> head(10)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .table }
  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    guard case .object(let o as any Tabular) = args["value"] else {
      throw UserError("table needs \(Capability.tabular.meaning), got \(args["value"].type)")
    }
    return .object(o.asTable())
  }
}

/// Converts a tabular argument to a table (the verbs accept any tabular value).
func tableArgument(_ args: Arguments, _ name: String = "table") throws -> Table {
  guard case .object(let o as any Tabular) = args[name] else {
    throw UserError("\(args.primitive) needs \(Capability.tabular.meaning), got \(args[name].type)")
  }
  return o.asTable()
}

let tabularTypes: ValueType = .capable(.tabular)

// MARK: - sort

final class SortOp: Primitive {
  let name = "sort"
  let version = 1
  var params: [Param] {
    [
      Param("table", tabularTypes, positional: true, doc: "the table to sort"),
      Param("by", .oneOf([.string, .list(.string)]), doc: "column name, or names (later ones break ties)"),
      Param("descending", .bool, default: .bool(false), doc: "largest first"),
    ]
  }
  let summary = "rows ordered by one or more columns (stable; none and NaN last)"
  let example = "show scores |> sort(by: \"score\", descending: true)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .table }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let t = try tableArgument(args)
    let columns = try args.strings("by").map { try t.requireColumn($0) }
    let descending = try args.bool("descending")
    let order = t.rows.indices.sorted { a, b in
      for c in columns {
        let o = compareCells(t.rows[a][c], t.rows[b][c])
        if o == 0 { continue }
        // Missing values go last in both directions.
        if isMissing(t.rows[a][c]) != isMissing(t.rows[b][c]) { return isMissing(t.rows[b][c]) }
        return descending ? o > 0 : o < 0
      }
      return a < b
    }
    return .object(t.with(rows: order.map { t.rows[$0] }))
  }
}

func isMissing(_ v: Value) -> Bool {
  if case .null = v { return true }
  if case .float(let f) = v, f.isNaN { return true }
  return false
}

/// -1, 0 or 1; numbers by value, strings lexicographically, neurons by layer then index.
func compareCells(_ a: Value, _ b: Value) -> Int {
  if isMissing(a) || isMissing(b) { return isMissing(a) == isMissing(b) ? 0 : (isMissing(a) ? 1 : -1) }
  if let x = a.double, let y = b.double { return x < y ? -1 : (x > y ? 1 : 0) }
  switch (a, b) {
  case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
  case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
  case (.neuron(let x), .neuron(let y)): return x < y ? -1 : (x > y ? 1 : 0)
  default: return a.description < b.description ? -1 : (a.description > b.description ? 1 : 0)
  }
}

func cellsEqual(_ a: Value, _ b: Value) -> Bool {
  if isMissing(a) || isMissing(b) { return isMissing(a) && isMissing(b) }
  return compareCells(a, b) == 0 && a.type.conforms(to: .number) == b.type.conforms(to: .number)
}

// MARK: - where

/// Rows whose column passes a test: `where("score", above: 0.5)`, `where("layer", in: [6, 7])`.
final class WhereOp: Primitive {
  let name = "where"
  let version = 1
  static let tests = ["equals", "not", "above", "below", "atLeast", "atMost", "contains", "in"]
  var params: [Param] {
    [
      Param("table", tabularTypes, positional: true, doc: "the table to filter"),
      Param("column", .string, positional: true, doc: "the column to test"),
      Param("equals", .any, default: .null, doc: "keep rows equal to this value"),
      Param("not", .any, default: .null, doc: "keep rows not equal to this value"),
      Param("above", .number, default: .null, doc: "keep rows greater than this"),
      Param("below", .number, default: .null, doc: "keep rows less than this"),
      Param("atLeast", .number, default: .null, doc: "keep rows greater than or equal to this"),
      Param("atMost", .number, default: .null, doc: "keep rows less than or equal to this"),
      Param("contains", .string, default: .null, doc: "keep rows whose text contains this"),
      Param("in", .list(.any), default: .null, doc: "keep rows equal to one of these"),
    ]
  }
  let summary = "rows whose column passes every given test (equals, not, above, below, atLeast, atMost, contains, in)"
  let example = "show scores |> where(\"score\", above: 0.5)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType {
    // A filter with no test would silently keep every row.
    if !WhereOp.tests.contains(where: { args[$0] != nil && args[$0] != ValueType.null }) {
      throw UserError("where needs a test: one of \(WhereOp.tests.map { "`\($0):`" }.joined(separator: ", "))")
    }
    return .table
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let t = try tableArgument(args)
    let c = try t.requireColumn(try args.string("column"))
    var tests: [(Value) -> Bool] = []
    if !args["equals"].isNone { let v = args["equals"]; tests.append { cellsEqual($0, v) } }
    if !args["not"].isNone { let v = args["not"]; tests.append { !cellsEqual($0, v) } }
    for (label, keep) in [("above", { $0 > 0 }), ("below", { $0 < 0 }), ("atLeast", { $0 >= 0 }), ("atMost", { $0 <= 0 })]
      as [(String, (Int) -> Bool)]
    {
      let bound = args[label]
      if bound.isNone { continue }
      tests.append { !isMissing($0) && $0.double != nil && keep(compareCells($0, bound)) }
    }
    if let needle = args["contains"].string {
      tests.append { v in
        if case .string(let s) = v { return s.contains(needle) }
        return false
      }
    }
    if case .list(let options) = args["in"] {
      tests.append { v in options.contains { cellsEqual(v, $0) } }
    }
    if tests.isEmpty {
      throw UserError("where needs a test: one of \(WhereOp.tests.map { "`\($0):`" }.joined(separator: ", "))")
    }
    return .object(t.with(rows: t.rows.filter { row in tests.allSatisfy { $0(row[c]) } }))
  }
}

// MARK: - select

final class SelectOp: Primitive {
  let name = "select"
  let version = 1
  var params: [Param] {
    [
      Param("table", tabularTypes, positional: true, doc: "the table"),
      Param("columns", .oneOf([.string, .list(.string)]), positional: true, doc: "the columns to keep, in this order"),
    ]
  }
  let summary = "the named columns of a table, in the order given"
  let example = "show scores |> select([\"neuron\", \"score\"])"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .table }
  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let t = try tableArgument(args)
    let idx = try args.strings("columns").map { try t.requireColumn($0) }
    return .object(Table(columns: idx.map { t.columns[$0] }, rows: t.rows.map { row in idx.map { row[$0] } }, title: t.title))
  }
}
