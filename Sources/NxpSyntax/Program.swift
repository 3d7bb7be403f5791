import NxpCore

/// A name defined by a binding or a param, in the script or in a file it imports.
public struct Definition: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable {
    case binding, param
  }

  public var name: String
  public var kind: Kind
  public var nameRange: SourceRange
  public var value: Expr
  /// The file that defines it (the script's own file or an imported one).
  public var file: SourceFile
  /// Index of the defining statement in its file's `Script.statements`.
  public var statement: Int
  /// The cell of the main script that holds it; nil for a definition from an import.
  public var cell: Int?
  /// Bindings and params that the value uses directly, in order of first use.
  public var dependencies: [String]
  /// Primitives that the value calls, in order of first call.
  public var primitives: [String]

  public var isImported: Bool { cell == nil }

  public static func == (a: Definition, b: Definition) -> Bool {
    a.name == b.name && a.kind == b.kind && a.nameRange == b.nameRange && a.value == b.value
      && a.file === b.file && a.statement == b.statement && a.cell == b.cell
      && a.dependencies == b.dependencies && a.primitives == b.primitives
  }

  public func hash(into h: inout Hasher) {
    h.combine(name)
    h.combine(file.path)
    h.combine(nameRange)
  }
}

/// A `show` or expression statement of the main script: what forces values to be computed.
public struct Effect: Hashable, Sendable {
  public var statement: Statement
  /// Index in `Script.statements` of the main script.
  public var statementIndex: Int
  public var cell: Int
  /// The expressions to evaluate and show, in order.
  public var expressions: [Expr]
  /// Bindings and params used directly, in order of first use.
  public var dependencies: [String]
  /// Primitives called, in order of first call.
  public var primitives: [String]
}

/// What running one cell alone involves.
public struct CellPlan: Sendable {
  public var cell: Cell
  /// Names the cell defines, in source order.
  public var definitions: [String]
  /// The cell's `show` and expression statements, in source order.
  public var effects: [Effect]
  /// The cell's definitions and everything they and its effects depend on, in topological order.
  public var required: [Definition]
}

/// A checked script: its definitions in dependency order, its effects, and every problem found.
public struct Program: Sendable {
  /// The main script.
  public var script: Script
  /// Imported scripts, in the order they were loaded.
  public var imports: [Script]
  /// Every definition, dependencies before their users; ties keep source order, imports first.
  /// A definition inside a dependency cycle is left out.
  public var definitions: [Definition]
  /// The main script's effects, in source order. Effects of imported files do not run.
  public var effects: [Effect]
  /// Errors from parsing imported files and from resolving names, imports and cycles.
  public var diagnostics: [Diagnostic]

  public init(script: Script, imports: [Script], definitions: [Definition], effects: [Effect], diagnostics: [Diagnostic]) {
    self.script = script
    self.imports = imports
    self.definitions = definitions
    self.effects = effects
    self.diagnostics = diagnostics
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  /// The definition of `name`, if it has one.
  public func definition(named name: String) -> Definition? {
    definitions.first { $0.name == name }
  }

  /// The params of the program, in topological order.
  public var params: [Definition] { definitions.filter { $0.kind == .param } }

  /// `names` and everything they depend on, transitively, in topological order.
  public func closure(of names: some Sequence<String>) -> [Definition] {
    let byName = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var needed = Set<String>()
    var work = Array(names)
    while let name = work.popLast() {
      guard let d = byName[name], needed.insert(name).inserted else { continue }
      work += d.dependencies
    }
    return definitions.filter { needed.contains($0.name) }
  }

  /// The first cell of the main script with this title.
  public func cell(titled title: String) -> Cell? { script.cell(titled: title) }

  /// What running cell `index` alone needs.
  public func plan(forCell index: Int) -> CellPlan? {
    guard script.cells.indices.contains(index) else { return nil }
    let own = script.statements(inCell: index).compactMap { $0.definedName?.name }
    let effects = self.effects.filter { $0.cell == index }
    let required = closure(of: own + effects.flatMap(\.dependencies))
    return CellPlan(cell: script.cells[index], definitions: own, effects: effects, required: required)
  }
}
