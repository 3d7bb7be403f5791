import NxpCore

/// One statement of a script, with its range and the cell it belongs to.
public struct Statement: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    /// `# %% Title`: starts a new cell.
    case cellMarker(title: String)
    /// `import "prelude.nxp"`; `pathRange` covers the string literal.
    case `import`(path: String, pathRange: SourceRange)
    /// `param name = value`: a constant that the command line and the REPL may override.
    case param(name: Identifier, value: Expr)
    /// `name = value`
    case binding(name: Identifier, value: Expr)
    /// `show a, b`
    case show([Expr])
    /// A bare expression: evaluated and shown.
    case expression(Expr)
  }

  public var kind: Kind
  public var range: SourceRange
  /// Index into `Script.cells`.
  public var cell: Int

  public init(_ kind: Kind, range: SourceRange, cell: Int) {
    self.kind = kind
    self.range = range
    self.cell = cell
  }

  /// The name a binding or param defines.
  public var definedName: Identifier? {
    switch kind {
    case .param(let name, _), .binding(let name, _): return name
    default: return nil
    }
  }

  /// The expressions the statement contains, in source order.
  public var expressions: [Expr] {
    switch kind {
    case .cellMarker, .import: return []
    case .param(_, let value), .binding(_, let value), .expression(let value): return [value]
    case .show(let values): return values
    }
  }
}

/// A run of statements under one `# %%` marker. Cell 0 holds what comes before the first marker
/// and has no title.
public struct Cell: Hashable, Sendable {
  public var index: Int
  public var title: String?
  /// The marker line; nil for cell 0.
  public var markerRange: SourceRange?
  /// Indices into `Script.statements`, not counting the marker itself.
  public var statements: [Int]

  public init(index: Int, title: String?, markerRange: SourceRange?, statements: [Int] = []) {
    self.index = index
    self.title = title
    self.markerRange = markerRange
    self.statements = statements
  }
}

/// A parsed file: its statements in source order and its cells.
public struct Script: Sendable {
  public var file: SourceFile
  public var statements: [Statement]
  /// Always at least one: cell 0 precedes the first marker.
  public var cells: [Cell]

  public init(file: SourceFile, statements: [Statement], cells: [Cell]) {
    self.file = file
    self.statements = statements
    self.cells = cells
  }

  /// The first cell with this title.
  public func cell(titled title: String) -> Cell? {
    cells.first { $0.title == title }
  }

  /// The statements of one cell, in source order.
  public func statements(inCell index: Int) -> [Statement] {
    guard cells.indices.contains(index) else { return [] }
    return cells[index].statements.map { statements[$0] }
  }
}
