import Foundation
import NxpCache
import NxpCore
import NxpSyntax

/// Where a REPL session's output goes: the `nxp` executable prints it, tests collect it.
public protocol ReplConsole: AnyObject {
  /// Results: shown values and directive output (stdout).
  func write(_ text: String)
  /// Errors and warnings in the source (stderr).
  func report(_ diagnostics: [Diagnostic])
  /// A one-line error that has no place in the source (stderr); `message` ends with a newline.
  func error(_ message: String)
}

/// The REPL's state machine: the current definitions, the graph built from them, rebinding with
/// the stale dependents it makes, params set with `:set`, and the directives. It reads no input
/// and prints nothing itself: the front end hands it lines and renders what it writes to its
/// console, so tests drive it directly.
public final class ReplSession {
  public let session: Session
  public let console: ReplConsole
  /// Terminal width for tables the directives print.
  public var width: Int
  /// Current definitions, dependencies before their users.
  public private(set) var definitions: [Definition] = []
  /// The graph of all current definitions (nil until something is defined).
  public private(set) var graph: Graph?
  /// Entries and directives that failed so far (a piped session exits non-zero if any did).
  public private(set) var failures = 0
  /// Of those, entries whose run failed (a primitive's error rather than one in the source).
  public private(set) var runtimeFailures = 0
  /// Each binding's key before its latest change, for `:why`.
  var previousKeys: [String: String] = [:]
  /// The script loaded with `nxp repl FILE`, whose last run's keys `:why` can compare with.
  var loadedScript: String?
  private var entryCount = 0

  public static let directives = ["help", "vars", "plan", "set", "why", "prov", "cache", "quit"]

  public init(session: Session, console: ReplConsole, width: Int = 100) {
    self.session = session
    self.console = console
    self.width = width
  }

  // MARK: - Input

  /// Whether `text` is an unfinished entry (an open bracket or string, a trailing `|>`) that
  /// needs a continuation line.
  public static func isIncomplete(_ text: String) -> Bool {
    Parser.parse(SourceFile(path: "<repl>", text: text)).isIncomplete
  }

  /// Whether a line is a `:directive` rather than nxp.
  public static func isDirective(_ line: String) -> Bool {
    line.trimmingCharacters(in: .whitespaces).hasPrefix(":")
  }

  // MARK: - Entries

  /// Resolves, lowers and runs one entry; false if it had errors (nothing changes then).
  @discardableResult
  public func handle(_ text: String) -> Bool {
    entryCount += 1
    let ok = enter(SourceFile(path: "<repl:\(entryCount)>", text: text))
    if !ok { failures += 1 }
    return ok
  }

  private func enter(_ file: SourceFile) -> Bool {
    let parsed = Parser.parse(file)
    if !parsed.diagnostics.isEmpty {
      console.report(parsed.diagnostics)
      if parsed.diagnostics.contains(where: { $0.severity == .error }) { return false }
    }
    let names = Set(definitions.map(\.name))
    let predefined = Resolver.Predefined(
      params: Set(definitions.filter { $0.kind == .param }.map(\.name)),
      bindings: Set(definitions.filter { $0.kind == .binding }.map(\.name)))
    let entry = Resolver(primitives: session.registry.names, predefined: predefined).resolve(parsed)
    if entry.hasErrors {
      console.report(entry.diagnostics)
      return false
    }
    // The entry's definitions replace earlier ones of the same name.
    let newNames = Set(entry.definitions.filter { $0.file === file || $0.isImported }.map(\.name))
    var merged = definitions.filter { !newNames.contains($0.name) }
    merged += entry.definitions.filter { newNames.contains($0.name) }
    let (ordered, cycle) = Resolver.order(merged)
    if let cycle {
      console.error("error: this makes a cycle: \(cycle.joined(separator: " -> "))\n")
      return false
    }
    let program = Program(script: entry.script, imports: entry.imports, definitions: ordered, effects: entry.effects, diagnostics: [])
    let (newGraph, diagnostics) = session.graph(program)
    if !diagnostics.isEmpty { console.report(diagnostics) }
    guard let newGraph else { return false }

    // Report what a rebinding made stale: bindings whose key changed because of it.
    let rebound = newNames.intersection(names)
    if !rebound.isEmpty, let old = graph {
      let stale = staleBindings(from: old, to: newGraph, excluding: newNames)
      for name in rebound.sorted() {
        if case .node(let n)? = old.bindings[name] { previousKeys[name] = n.key }
      }
      if !stale.isEmpty {
        console.write(
          "rebound \(rebound.sorted().joined(separator: ", ")); stale now: \(stale.joined(separator: ", ")) (recomputed when next needed)\n"
        )
      }
    }
    definitions = ordered
    graph = newGraph
    return run(newGraph)
  }

  /// Bindings (not in `excluding`) whose key differs between two graphs; remembers their old
  /// keys for `:why`.
  private func staleBindings(from old: Graph, to new: Graph, excluding: Set<String> = []) -> [String] {
    var stale: [String] = []
    for name in new.order where !excluding.contains(name) {
      if case .node(let a)? = old.bindings[name], case .node(let b)? = new.bindings[name], a.key != b.key {
        stale.append(name)
        previousKeys[name] = a.key
      }
    }
    return stale
  }

  /// Runs the effects of the latest entry; errors and Ctrl-C end the entry, not the session.
  private func run(_ graph: Graph) -> Bool {
    Cancellation.reset()
    defer { Cancellation.reset() }
    do {
      try session.run(graph) { console.write($0) }
      return true
    } catch let failure as RuntimeFailure {
      runtimeFailures += 1
      console.report([failure.diagnostic])
    } catch is Interrupted {
      console.error("\ninterrupted (finished values are kept)\n")
    } catch {
      runtimeFailures += 1
      console.error("error: \(TerminalText.visible("\(error)"))\n")
    }
    return false
  }

  /// Loads a script's definitions (not its effects) into the session.
  public func load(path: String) -> Bool {
    let program = session.load(path: path)
    if program.hasErrors {
      console.report(program.diagnostics)
      failures += 1
      return false
    }
    let loadedProgram = Program(
      script: program.script, imports: program.imports, definitions: program.definitions, effects: [], diagnostics: [])
    let (g, diagnostics) = session.graph(loadedProgram)
    if !diagnostics.isEmpty { console.report(diagnostics) }
    guard let g else {
      failures += 1
      return false
    }
    definitions = program.definitions
    graph = g
    loadedScript = session.absolutePath(path)
    console.write("loaded \(definitions.count) definitions from \(path); :vars lists them\n")
    return true
  }

  /// The key a binding had before its latest change: from this session, else from the last run
  /// of the loaded script.
  func previousKey(_ name: String) -> String? {
    if let k = previousKeys[name] { return k }
    guard let loadedScript else { return nil }
    return RunLog(store: session.cache).lastKeys(script: loadedScript)[name]
  }

  /// The current value of a bound name (a node, a constant, or a param's value).
  func lookup(_ name: String) -> Lowered? {
    guard let graph else { return nil }
    return graph.bindings[name] ?? graph.params[name].map { Lowered.constant($0) }
  }

  func notBound(_ name: String) -> String {
    var message = "`\(name)` is not bound"
    if let s = NameSuggester.suggest(name, from: definitions.map(\.name)) { message += "; did you mean `\(s)`?" }
    return message + "\n"
  }

  // MARK: - Directives

  public enum DirectiveResult: Equatable { case proceed, quit }

  /// Runs a `:directive` line.
  public func directive(_ line: String) -> DirectiveResult {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    let parts = trimmed.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
    let name = parts.first ?? ""
    let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    switch name {
    case "quit", "q", "exit":
      return .quit
    case "help", "h":
      console.write(help(arg))
    case "vars":
      console.write(vars())
    case "plan":
      if let graph {
        let roots = graph.order.compactMap { name -> Node? in
          if case .node(let n)? = graph.bindings[name] { return n }
          return nil
        }
        console.write(Plan(graph: graph, evaluator: session.evaluator, roots: roots).render(title: "plan of this session", width: width))
      } else {
        console.write("nothing defined yet\n")
      }
    case "set":
      set(arg)
    case "why":
      guard !arg.isEmpty else { return usage("usage: :why name\n") }
      guard let lowered = lookup(arg) else { return usage(notBound(arg)) }
      console.write(WhyExplainer(evaluator: session.evaluator).explain(name: arg, lowered, previousKey: previousKey(arg)))
    case "prov":
      guard !arg.isEmpty else { return usage("usage: :prov name\n") }
      guard let lowered = lookup(arg) else { return usage(notBound(arg)) }
      console.write(Provenance(evaluator: session.evaluator).render(name: arg, lowered))
    case "cache":
      let store = session.cache
      console.write("cache \(store.root): \(store.ls().count) entries, \(formatBytes(Int(store.totalSize)))\n")
    default:
      var message = "unknown command :\(TerminalText.visible(name)); try :help"
      if let s = NameSuggester.suggest(name, from: ReplSession.directives) {
        message = "unknown command :\(name); did you mean :\(s)? (:help lists them)"
      }
      return usage(message + "\n")
    }
    return .proceed
  }

  /// Reports a directive used wrongly (it counts as a failure).
  private func usage(_ message: String) -> DirectiveResult {
    console.error(message)
    failures += 1
    return .proceed
  }

  /// `:set name=value`: overrides a param and reports what became stale.
  func set(_ assignment: String) {
    do {
      let (name, value) = try ParamOverride.parse(assignment)
      guard definitions.contains(where: { $0.name == name && $0.kind == .param }) else {
        let params = definitions.filter { $0.kind == .param }.map(\.name)
        var message = "error: no param `\(name)`"
        if let s = NameSuggester.suggest(name, from: params) { message += "; did you mean `\(s)`?" }
        _ = usage(message + (params.isEmpty ? " (define one with `param \(name) = ...`)" : "") + "\n")
        return
      }
      let before = graph
      let previous = session.overrides[name]
      session.overrides[name] = value
      let program = Program(
        script: Parser.parse(SourceFile(path: "<set>", text: "")).script, imports: [], definitions: definitions, effects: [],
        diagnostics: [])
      let (g, diagnostics) = session.graph(program)
      if !diagnostics.isEmpty { console.report(diagnostics) }
      guard let g else {
        session.overrides[name] = previous
        failures += 1
        return
      }
      let stale = before.map { staleBindings(from: $0, to: g) } ?? []
      graph = g
      console.write("\(name) = \(value)" + (stale.isEmpty ? "\n" : "; stale now: \(stale.joined(separator: ", "))\n"))
    } catch {
      _ = usage("error: \(TerminalText.visible("\(error)"))\n")
    }
  }

  func vars() -> String {
    guard let graph, !definitions.isEmpty else { return "nothing defined yet\n" }
    var rows: [[Value]] = []
    for d in definitions {
      switch d.kind {
      case .param:
        rows.append([.string(d.name), .string("param"), .string((graph.params[d.name] ?? .null).description), .string("")])
      case .binding:
        switch graph.bindings[d.name] {
        case .node(let n)?:
          let status = session.evaluator.isInMemory(n) ? "in memory" : (session.evaluator.isAvailable(n) ? "cached" : "not computed")
          rows.append([.string(d.name), .string(n.resultType.description), .string(n.site.text), .string(status)])
        case .constant(let v)?:
          rows.append([.string(d.name), .string(v.type.description), .string(v.description), .string("constant")])
        case nil:
          break
        }
      }
    }
    return Table(columns: [.init("name", .string), .init("type", .string), .init("value", .string), .init("status", .string)], rows: rows)
      .render(RenderStyle(colors: false, maxRows: Int.max, width: width))
  }
}
