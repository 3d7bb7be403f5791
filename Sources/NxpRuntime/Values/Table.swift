import Foundation
import NxpCore
import NxpInterp

/// Rows of named, typed columns: scores, token lists, neuron statistics. Small enough to keep
/// whole in memory; cached as JSON Lines.
public final class Table: RuntimeObject {
  public enum Kind: String, Codable, Sendable {
    case int, float, string, bool, neuron
  }

  public struct Column: Sendable {
    public var name: String
    public var kind: Kind
    public init(_ name: String, _ kind: Kind) {
      self.name = name
      self.kind = kind
    }
  }

  public let columns: [Column]
  public let rows: [[Value]]
  /// A title shown above the rendering (e.g. "tokens of \"Hello\"").
  public let title: String?

  public init(columns: [Column], rows: [[Value]], title: String? = nil) {
    self.columns = columns
    self.rows = rows
    self.title = title
  }

  public static let typeName = "Table"
  public var summary: String { "Table: \(rows.count) rows x \(columns.count) columns (\(columns.map(\.name).joined(separator: ", ")))" }

  public func columnIndex(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }

  /// The column index or an error naming the columns there are.
  public func requireColumn(_ name: String) throws -> Int {
    guard let i = columnIndex(name) else {
      var message = "no column \"\(name)\"; the table has \(columns.map { "\"\($0.name)\"" }.joined(separator: ", "))"
      if let s = NameSuggester.suggest(name, from: columns.map(\.name)) { message += " (did you mean \"\(s)\"?)" }
      throw UserError(message)
    }
    return i
  }

  public func with(rows: [[Value]]) -> Table { Table(columns: columns, rows: rows, title: title) }

  // MARK: - Rendering

  public func render(_ style: RenderStyle) -> String {
    var out = ""
    if let title { out += title + "\n" }
    if rows.isEmpty {
      return out + "(empty table: " + columns.map(\.name).joined(separator: ", ") + ")\n"
    }
    let shown = rows.prefix(style.maxRows)
    var cells: [[String]] = [columns.map(\.name)]
    for row in shown { cells.append(row.map(Table.format)) }
    var widths = columns.indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
    // Keep wide text columns from pushing the table past the terminal width.
    let maxCell = max(12, style.width / max(1, columns.count) * 2)
    widths = widths.map { min($0, maxCell) }
    // A text column at the end may use what the others leave of the width.
    if let last = columns.indices.last, columns[last].kind == .string, last > 0 {
      let others = widths.dropLast().reduce(0, +) + 2 * last
      let natural = cells.map { $0[last].count }.max() ?? 0
      widths[last] = max(widths[last], min(natural, style.width - others))
    }
    for (r, row) in cells.enumerated() {
      var line = ""
      for (c, cell) in row.enumerated() {
        let text = cell.count > widths[c] ? String(cell.prefix(widths[c] - 1)) + "…" : cell
        let rightAligned = r > 0 && (columns[c].kind == .int || columns[c].kind == .float)
        let pad = String(repeating: " ", count: widths[c] - text.count)
        line += (c > 0 ? "  " : "") + (rightAligned ? pad + text : text + (c < row.count - 1 ? pad : ""))
      }
      out += (style.colors && r == 0 ? "\u{1B}[1m\(line)\u{1B}[0m" : line) + "\n"
      if r == 0 {
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
      }
    }
    if rows.count > shown.count { out += "... \(rows.count - shown.count) more row\(rows.count - shown.count == 1 ? "" : "s")\n" }
    return out
  }

  /// How a cell prints: floats with four decimals (one above a thousand; three significant digits
  /// below 0.001, where four decimals would keep one, so a small value such as a divergence never
  /// shows as 0), text made single-line.
  static func format(_ v: Value) -> String {
    switch v {
    case .float(let f):
      if f.isNaN { return "nan" }
      if f.isInfinite { return f < 0 ? "-inf" : "inf" }
      if f != 0 && abs(f) < 0.001 { return String(format: "%.2e", f) }
      return abs(f) >= 1000 ? String(format: "%.1f", f) : String(format: "%.4f", f)
    case .string(let s): return visible(s)
    case .null: return "-"
    default: return v.description
    }
  }

  /// Control characters made visible so one cell stays on one line (newline ⏎, tab ⇥), as
  /// activation records show them.
  public static func visible(_ s: String) -> String { ActivationRenderer.visible(s) }

}

extension Table: Sliceable, Tabular, PositionIndexable {
  public static let itemType = ValueType.record
  public static let itemNoun = "row"
  public var itemCount: Int { rows.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject { with(rows: Array(rows[range])) }
  public func item(at index: Int) throws -> Value { .record(Array(zip(columns.map(\.name), rows[index]))) }
  public func asTable() -> Table { self }
}
