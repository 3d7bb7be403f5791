import NxpCore

/// Checks a parsed script before anything runs: loads its imports, resolves every name, checks
/// that params are constants, finds dependency cycles, and orders the definitions.
///
///     let program = Resolver(primitives: ["load", "record"]).load(path: "layer6.nxp")
///     if program.hasErrors { print(DiagnosticList(program.diagnostics)) }
///
/// Order of statements does not matter: like cells of a dataflow notebook, a binding may be used
/// above its definition.
public struct Resolver: Sendable {
  /// Names defined outside the script, e.g. by earlier REPL entries. The script may use them
  /// and may define them again (which replaces them) without a duplicate error.
  public struct Predefined: Sendable {
    public var params: Set<String>
    public var bindings: Set<String>

    public init(params: Set<String> = [], bindings: Set<String> = []) {
      self.params = params
      self.bindings = bindings
    }
  }

  /// The names of the primitives a call may use (the runtime owns the registry).
  public var primitives: Set<String>
  public var predefined: Predefined

  public init(primitives: Set<String>, predefined: Predefined = Predefined()) {
    self.primitives = primitives
    self.predefined = predefined
  }

  // MARK: - Entry points

  /// Reads, parses and resolves the script at `path`; parse errors are among the diagnostics.
  public func load(path: String) -> Program {
    let file: SourceFile
    do {
      file = try ImportCollector.read(path)
    } catch {
      let empty = SourceFile(path: path, text: "")
      let diagnostic = (error as? Diagnostic) ?? Diagnostic(.error, "cannot read script: \(error)")
      return Program(
        script: Script(file: empty, statements: [], cells: [Cell(index: 0, title: nil, markerRange: nil)]),
        imports: [], definitions: [], effects: [], diagnostics: [diagnostic])
    }
    return resolve(Parser.parse(file))
  }

  /// Resolves a parse result. When parsing failed, only the parse errors are reported: names
  /// checked against a half-parsed script would give errors that are not really there.
  public func resolve(_ parsed: ParseResult) -> Program {
    var program = resolve(parsed.script)
    if parsed.status != .complete { program.diagnostics = parsed.diagnostics }
    return program
  }

  /// Resolves a parsed script, loading its imports from disk relative to `script.file.path`.
  public func resolve(_ script: Script) -> Program {
    var collector = ImportCollector()
    collector.collect(main: script)
    var state = ResolveState(resolver: self, files: collector.files)
    state.run()
    // As for the main script, a file that did not parse gets no name errors.
    state.diagnostics = collector.diagnostics + (collector.importHasParseErrors ? [] : state.diagnostics)
    return Program(
      script: script,
      imports: collector.files.filter { !$0.isMain }.map(\.script),
      definitions: state.orderedDefinitions,
      effects: state.effects,
      diagnostics: state.sortedDiagnostics)
  }
}

// MARK: - Resolution

/// The working state of one resolution.
struct ResolveState {
  let resolver: Resolver
  let files: [ImportCollector.Loaded]
  var diagnostics: [Diagnostic] = []
  /// First definition of each name, in collection order (imports before their importer).
  var definitions: [Definition] = []
  var indexByName: [String: Int] = [:]
  /// Where each definition first uses each of its dependencies (for cycle notes).
  var firstUse: [[String: SourceRange]] = []
  var effects: [Effect] = []
  var orderedDefinitions: [Definition] = []

  init(resolver: Resolver, files: [ImportCollector.Loaded]) {
    self.resolver = resolver
    self.files = files
  }

  mutating func run() {
    defineNames()
    for i in definitions.indices { resolveDefinition(i) }
    for loaded in files where loaded.isMain { collectEffects(loaded.script) }
    orderDefinitions()
  }

  // MARK: - Definitions

  mutating func defineNames() {
    for loaded in files {
      for (i, statement) in loaded.script.statements.enumerated() {
        let defined: (Identifier, Expr, Definition.Kind)
        switch statement.kind {
        case .binding(let name, let value): defined = (name, value, .binding)
        case .param(let name, let value): defined = (name, value, .param)
        default: continue
        }
        let (name, value, kind) = defined
        let file = loaded.script.file
        if let first = indexByName[name.name] {
          let earlier = definitions[first]
          let message =
            earlier.file === file
            ? "`\(name.name)` is defined more than once"
            : "`\(name.name)` is already defined in \(earlier.file.path)"
          diagnostics.append(
            Diagnostic(
              .error, message, file: file, range: name.range,
              notes: [
                Diagnostic(.note, "`\(name.name)` is first defined here", file: earlier.file, range: earlier.nameRange)
              ]))
          continue
        }
        indexByName[name.name] = definitions.count
        definitions.append(
          Definition(
            name: name.name, kind: kind, nameRange: name.range, value: value, file: file, statement: i,
            cell: loaded.isMain ? statement.cell : nil, dependencies: [], primitives: []))
        firstUse.append([:])
      }
    }
  }

  mutating func resolveDefinition(_ i: Int) {
    let d = definitions[i]
    let isParam = d.kind == .param
    if isParam, let (offender, reason) = nonConstant(d.value) {
      diagnostics.append(
        .error(
          "param `\(d.name)` must be a constant expression", at: offender.range, in: d.file,
          help: [reason + "; a param may use literals, other params and + - * /"]))
    }
    // A param's calls are already reported as not constant.
    let uses = references(in: [d.value], file: d.file, checkCalls: !isParam)
    definitions[i].dependencies = uses.names.map(\.name)
    definitions[i].primitives = uses.primitives
    for use in uses.names where firstUse[i][use.name] == nil { firstUse[i][use.name] = use.range }
  }

  mutating func collectEffects(_ script: Script) {
    for (i, statement) in script.statements.enumerated() {
      let expressions: [Expr]
      switch statement.kind {
      case .show(let values): expressions = values
      case .expression(let value): expressions = [value]
      default: continue
      }
      let uses = references(in: expressions, file: script.file, checkCalls: true)
      effects.append(
        Effect(
          statement: statement, statementIndex: i, cell: statement.cell, expressions: expressions,
          dependencies: uses.names.map(\.name), primitives: uses.primitives))
    }
  }

  // MARK: - Names

  /// The known names and primitives that `expressions` use, each once in order of first use;
  /// unknown ones are reported.
  mutating func references(
    in expressions: [Expr], file: SourceFile, checkCalls: Bool
  )
    -> (names: [Identifier], primitives: [String])
  {
    var names: [Identifier] = []
    var primitives: [Identifier] = []
    for root in expressions {
      root.forEach { e in
        switch e.kind {
        case .name(let name):
          if isDefined(name) {
            names.append(Identifier(name, range: e.range))
          } else {
            reportUnknownName(name, at: e.range, in: file)
          }
        case .call(let call), .pipe(_, let call):
          guard checkCalls else { return }
          if resolver.primitives.contains(call.callee.name) {
            primitives.append(call.callee)
          } else {
            reportNotCallable(call.callee, in: file)
          }
        default: break
        }
      }
    }
    return (firstUses(names), firstUses(primitives).map(\.name))
  }

  /// The first use of each name, in source order (a pipe's callee is visited before its input
  /// but written after it).
  func firstUses(_ uses: [Identifier]) -> [Identifier] {
    var seen = Set<String>()
    return uses.sorted { $0.range.start < $1.range.start }.filter { seen.insert($0.name).inserted }
  }

  func isDefined(_ name: String) -> Bool {
    indexByName[name] != nil || resolver.predefined.bindings.contains(name) || resolver.predefined.params.contains(name)
  }

  /// Names a binding or param may be confused with, for suggestions.
  var definedNames: [String] {
    Array(indexByName.keys) + Array(resolver.predefined.bindings) + Array(resolver.predefined.params)
  }

  mutating func reportUnknownName(_ name: String, at range: SourceRange, in file: SourceFile) {
    if resolver.primitives.contains(name) {
      diagnostics.append(
        .error(
          "`\(name)` is a primitive, not a value", at: range, in: file,
          help: ["call it: \(name)(...)"]))
      return
    }
    let suggestion =
      NameSuggester.suggest(name, from: definedNames) ?? NameSuggester.suggest(name, from: resolver.primitives)
    diagnostics.append(
      .error("unknown name `\(name)`", at: range, in: file, help: suggestion.map { ["did you mean `\($0)`?"] } ?? []))
  }

  mutating func reportNotCallable(_ callee: Identifier, in file: SourceFile) {
    let name = callee.name
    if let i = indexByName[name] {
      diagnostics.append(
        .error(
          "cannot call `\(name)`: it is a \(definitions[i].kind.rawValue), not a primitive", at: callee.range,
          in: file, help: ["only primitives can be called"]))
      return
    }
    if resolver.predefined.bindings.contains(name) || resolver.predefined.params.contains(name) {
      diagnostics.append(
        .error("cannot call `\(name)`: it is a value, not a primitive", at: callee.range, in: file))
      return
    }
    let suggestion = NameSuggester.suggest(name, from: resolver.primitives)
    diagnostics.append(
      .error(
        "unknown primitive `\(name)`", at: callee.range, in: file,
        help: suggestion.map { ["did you mean `\($0)`?"] } ?? []))
  }

  // MARK: - Params

  /// The first part of a param's value that is not constant, and why.
  func nonConstant(_ e: Expr) -> (Expr, String)? {
    switch e.kind {
    case .int, .float, .string, .bool, .none, .neuron:
      return nil
    case .binary:
      // Along the chain in a loop: `1 + 2 + ... ` may have thousands of terms.
      let (start, links) = e.chain
      if let found = nonConstant(start) { return found }
      for (link, _) in links {
        if case .binary(_, let rhs) = link, let found = nonConstant(rhs) { return found }
      }
      return nil
    case .list, .record, .range, .unary:
      for child in e.kind.children {
        if let found = nonConstant(child) { return found }
      }
      return nil
    case .name(let name):
      if let i = indexByName[name], definitions[i].kind == .binding { return (e, "`\(name)` is a binding") }
      if indexByName[name] == nil && resolver.predefined.bindings.contains(name) {
        return (e, "`\(name)` is a binding")
      }
      return nil
    case .call, .pipe:
      return (e, "a param cannot call a primitive")
    case .member, .index:
      return (e, "a param cannot use member access or indexing")
    }
  }

  // MARK: - Order and cycles

  mutating func orderDefinitions() {
    var graph = DependencyGraph(edges: [])
    graph.edges = definitions.map { d in d.dependencies.compactMap { indexByName[$0] } }
    var cyclic = Set<Int>()
    for component in graph.cycles() {
      cyclic.formUnion(component)
      let start = component.min()!
      let path = graph.shortestCycle(through: start, within: Set(component))
      var names = path.map { definitions[$0].name }
      let edges = path.count - 1
      // A very long cycle is shown by its ends and its length.
      if edges > 12 { names = names.prefix(6) + ["..."] + names.suffix(3) + ["(\(edges) definitions)"] }
      let notes = zip(path, path.dropFirst()).prefix(12).map { u, v in
        let d = definitions[u]
        let use = firstUse[u][definitions[v].name] ?? d.nameRange
        return Diagnostic(.note, "`\(d.name)` uses `\(definitions[v].name)` here", file: d.file, range: use)
      }
      let first = definitions[start]
      diagnostics.append(
        Diagnostic(
          .error, "dependency cycle: \(names.joined(separator: " -> ").replacingOccurrences(of: " -> (", with: " ("))",
          file: first.file, range: first.nameRange,
          notes: notes))
    }
    orderedDefinitions = graph.topologicalOrder(excluding: cyclic).map { definitions[$0] }
  }

  /// Diagnostics of the main script first, then of each import in load order; by position within
  /// a file.
  var sortedDiagnostics: [Diagnostic] {
    var rank: [ObjectIdentifier: Int] = [:]
    for loaded in files where loaded.isMain { rank[ObjectIdentifier(loaded.script.file)] = 0 }
    for (i, loaded) in files.enumerated() where !loaded.isMain { rank[ObjectIdentifier(loaded.script.file)] = i + 1 }
    func key(_ d: Diagnostic) -> (Int, Int) {
      let r = d.file.map { rank[ObjectIdentifier($0)] ?? Int.max } ?? Int.max
      return (r, d.range?.start.offset ?? 0)
    }
    return diagnostics.enumerated().sorted { a, b in
      let ka = key(a.element)
      let kb = key(b.element)
      return ka != kb ? ka < kb : a.offset < b.offset
    }.map(\.element)
  }
}
