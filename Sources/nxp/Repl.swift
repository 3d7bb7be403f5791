import Foundation
import NxpCache
import NxpCore
import NxpLineEdit
import NxpRuntime
import NxpSyntax

/// The read-eval-print loop. The session's definitions live here; each entry is resolved
/// against them, lowered to a new graph, and its show/expression statements run. Errors print
/// and the session goes on.
final class Repl {
  let session: Session
  /// Current definitions by name, in the order they were entered (a rebinding moves to the end).
  private(set) var definitions: [Definition] = []
  /// The graph of all current definitions (nil until something is defined).
  private(set) var graph: Graph?
  /// Each binding's key before its latest change, for `:why`.
  var previousKeys: [String: String] = [:]
  /// The script loaded with `nxp repl FILE`, whose last run's keys `:why` can compare with.
  var loadedScript: String?
  private var entryCount = 0
  /// Whether an entry or directive had errors, and whether a run failed (for the exit status
  /// when input is piped).
  private(set) var hadErrors = false, hadRuntimeFailure = false
  private var editor: LineEditor!

  init(session: Session) {
    self.session = session
  }

  // MARK: - Loop

  func loop() {
    let history = ProcessInfo.processInfo.environment["NXP_HISTORY"] ?? (NSHomeDirectory() + "/.nxp_history")
    editor = LineEditor(historyPath: history) { [unowned self] line, start, end in self.complete(line: line, start: start, end: end) }
    Cancellation.signalFlag = LineEditor.installInterruptHandler()
    if editor.isInteractive {
      Terminal.write("nxp \(nxpVersion): :help for help, :quit to leave\n")
    }
    defer { editor.saveHistory() }
    var pending = ""
    while true {
      let prompt = pending.isEmpty ? "nxp> " : "...> "
      switch editor.readLine(prompt: prompt) {
      case .endOfFile:
        if editor.isInteractive { Terminal.write("\n") }
        if !pending.isEmpty, !handle(pending) { hadErrors = true }
        return
      case .interrupted:
        if !pending.isEmpty { Terminal.write("(input dropped)\n") }
        pending = ""
        continue
      case .line(let line):
        let text = pending.isEmpty ? line : pending + "\n" + line
        if pending.isEmpty && line.trimmingCharacters(in: .whitespaces).hasPrefix(":") {
          // Recalling :quit with the Up arrow is never wanted.
          if ![":quit", ":q", ":exit"].contains(line.trimmingCharacters(in: .whitespaces)) { editor.addHistory(line) }
          if !directive(line.trimmingCharacters(in: .whitespaces)) { return }
          continue
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
          pending = ""
          continue
        }
        let parsed = Parser.parse(SourceFile(path: "<repl>", text: text))
        if parsed.isIncomplete {
          pending = text
          continue
        }
        editor.addHistory(text)
        pending = ""
        if !handle(text) { hadErrors = true }
      }
    }
  }

  // MARK: - Entries

  /// Resolves, lowers and runs one entry; false if it had errors (nothing changes then).
  @discardableResult
  func handle(_ text: String, path: String? = nil) -> Bool {
    entryCount += 1
    let file = SourceFile(path: path ?? "<repl:\(entryCount)>", text: text)
    let parsed = Parser.parse(file)
    if !parsed.diagnostics.isEmpty {
      Terminal.report(parsed.diagnostics)
      if parsed.diagnostics.contains(where: { $0.severity == .error }) { return false }
    }
    let names = Set(definitions.map(\.name))
    let predefined = Resolver.Predefined(
      params: Set(definitions.filter { $0.kind == .param }.map(\.name)),
      bindings: Set(definitions.filter { $0.kind == .binding }.map(\.name)))
    let entry = Resolver(primitives: session.registry.names, predefined: predefined).resolve(parsed)
    if entry.hasErrors {
      Terminal.report(entry.diagnostics)
      return false
    }
    // The entry's definitions replace earlier ones of the same name.
    let newNames = Set(entry.definitions.filter { $0.file === file || $0.isImported }.map(\.name))
    var merged = definitions.filter { !newNames.contains($0.name) }
    merged += entry.definitions.filter { newNames.contains($0.name) }
    guard let ordered = orderDefinitions(merged) else { return false }
    let program = Program(script: entry.script, imports: entry.imports, definitions: ordered, effects: entry.effects, diagnostics: [])
    let (newGraph, diagnostics) = session.graph(program)
    if !diagnostics.isEmpty { Terminal.report(diagnostics) }
    guard let newGraph else { return false }

    // Report what a rebinding made stale: bindings whose key changed because of it.
    let rebound = newNames.intersection(names)
    if !rebound.isEmpty, let old = graph {
      var stale: [String] = []
      for name in newGraph.order where !newNames.contains(name) {
        if case .node(let a)? = old.bindings[name], case .node(let b)? = newGraph.bindings[name], a.key != b.key {
          stale.append(name)
        }
      }
      for name in rebound.sorted() {
        if case .node(let n)? = old.bindings[name] { previousKeys[name] = n.key }
      }
      for name in stale {
        if case .node(let n)? = old.bindings[name] { previousKeys[name] = n.key }
      }
      if !stale.isEmpty {
        Terminal.write("rebound \(rebound.sorted().joined(separator: ", ")); stale now: \(stale.joined(separator: ", ")) (recomputed when next needed)\n")
      }
    }
    definitions = ordered
    graph = newGraph
    run(newGraph)
    return true
  }

  /// Runs the effects of the latest entry; errors and Ctrl-C end the entry, not the session.
  func run(_ graph: Graph) {
    Cancellation.reset()
    do {
      try session.run(graph) { Terminal.write($0) }
    } catch let failure as RuntimeFailure {
      hadRuntimeFailure = true
      Terminal.report([failure.diagnostic])
    } catch is Interrupted {
      Terminal.printError("\ninterrupted (finished values are kept)\n")
    } catch {
      hadRuntimeFailure = true
      Terminal.printError("error: \(TerminalText.visible("\(error)"))\n")
    }
    Cancellation.reset()
  }

  /// Loads a script's definitions (not its effects) into the session.
  func load(path: String) -> Bool {
    let program = session.load(path: path)
    if program.hasErrors {
      Terminal.report(program.diagnostics)
      return false
    }
    let loadedProgram = Program(script: program.script, imports: program.imports, definitions: program.definitions, effects: [], diagnostics: [])
    let (g, diagnostics) = session.graph(loadedProgram)
    if !diagnostics.isEmpty { Terminal.report(diagnostics) }
    guard let g else { return false }
    definitions = program.definitions
    graph = g
    loadedScript = session.absolutePath(path)
    Terminal.write("loaded \(definitions.count) definitions from \(path); :vars lists them\n")
    return true
  }

  /// Dependencies before users; nil (after an error message) if the definitions form a cycle.
  func orderDefinitions(_ defs: [Definition]) -> [Definition]? {
    let byName = Dictionary(defs.map { ($0.name, $0) }, uniquingKeysWith: { _, b in b })
    var state: [String: Int] = [:]  // 1 visiting, 2 done
    var out: [Definition] = []
    var path: [String] = []
    func visit(_ name: String) -> Bool {
      guard let d = byName[name] else { return true }
      if state[name] == 2 { return true }
      if state[name] == 1 {
        let cycle = path.drop { $0 != name } + [name]
        Terminal.printError("error: this makes a cycle: \(cycle.joined(separator: " -> "))\n")
        return false
      }
      state[name] = 1
      path.append(name)
      for dep in d.dependencies where !visit(dep) { return false }
      path.removeLast()
      state[name] = 2
      out.append(d)
      return true
    }
    for d in defs where !visit(d.name) { return nil }
    return out
  }

  /// The key a binding had before its latest change: from this session, else from the last run
  /// of the loaded script.
  func previousKey(_ name: String) -> String? {
    if let k = previousKeys[name] { return k }
    guard let loadedScript else { return nil }
    return RunLog(store: session.cache).lastKeys(script: loadedScript)[name]
  }

  // MARK: - Directives

  /// Runs a `:directive`; false means quit.
  func directive(_ line: String) -> Bool {
    let parts = line.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
    let name = parts.first ?? ""
    let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    switch name {
    case "quit", "q", "exit":
      return false
    case "help", "h":
      Terminal.write(help(arg))
    case "vars":
      Terminal.write(vars())
    case "plan":
      if let graph {
        let roots = graph.order.compactMap { name -> Node? in
          if case .node(let n)? = graph.bindings[name] { return n }
          return nil
        }
        Terminal.write(Plan(graph: graph, evaluator: session.evaluator, roots: roots).render(title: "plan of this session", width: Terminal.width))
      } else {
        Terminal.write("nothing defined yet\n")
      }
    case "set":
      set(arg)
    case "why":
      Terminal.write(why(arg))
    case "cache":
      let store = session.cache
      Terminal.write("cache \(store.root): \(store.ls().count) entries, \(formatBytes(Int(store.totalSize)))\n")
    default:
      var message = "unknown command :\(name); try :help"
      if let s = NameSuggester.suggest(name, from: Repl.directives) { message = "unknown command :\(name); did you mean :\(s)? (:help lists them)" }
      hadErrors = true
      Terminal.printError(message + "\n")
    }
    return true
  }

  static let directives = ["help", "vars", "plan", "set", "why", "cache", "quit"]

  func set(_ assignment: String) {
    do {
      let (name, value) = try ParamOverride.parse(assignment)
      guard definitions.contains(where: { $0.name == name && $0.kind == .param }) else {
        let params = definitions.filter { $0.kind == .param }.map(\.name)
        var message = "error: no param `\(name)`"
        if let s = NameSuggester.suggest(name, from: params) { message += "; did you mean `\(s)`?" }
        hadErrors = true
        Terminal.printError(message + (params.isEmpty ? " (define one with `param \(name) = ...`)" : "") + "\n")
        return
      }
      let before = graph
      session.overrides[name] = value
      let program = Program(script: Parser.parse(SourceFile(path: "<set>", text: "")).script, imports: [], definitions: definitions, effects: [], diagnostics: [])
      let (g, diagnostics) = session.graph(program)
      if !diagnostics.isEmpty { Terminal.report(diagnostics) }
      guard let g else {
        session.overrides[name] = nil
        hadErrors = true
        return
      }
      var stale: [String] = []
      for b in g.order {
        if case .node(let a)? = before?.bindings[b], case .node(let n)? = g.bindings[b], a.key != n.key {
          stale.append(b)
          previousKeys[b] = a.key
        }
      }
      graph = g
      Terminal.write("\(name) = \(value)" + (stale.isEmpty ? "\n" : "; stale now: \(stale.joined(separator: ", "))\n"))
    } catch {
      hadErrors = true
      Terminal.printError("error: \(TerminalText.visible("\(error)"))\n")
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
      .render(RenderStyle(colors: false, maxRows: Int.max, width: Terminal.width))
  }

  // MARK: - Completion

  /// Candidates for the word at `start..<end`: directives after `:`, parameter labels inside a
  /// call, else primitives and bound names.
  func complete(line: String, start: Int, end: Int) -> [String] {
    let bytes = Array(line.utf8)
    guard start <= end, end <= bytes.count else { return [] }
    let word = String(decoding: bytes[start..<end], as: UTF8.self)
    let before = String(decoding: bytes[0..<start], as: UTF8.self)
    if before.trimmingCharacters(in: .whitespaces).isEmpty && word.hasPrefix(":") {
      return Repl.directives.map { ":" + $0 }.filter { $0.hasPrefix(word) }
    }
    if before.trimmingCharacters(in: .whitespaces) == ":help" {
      return session.registry.names.sorted().filter { $0.hasPrefix(word) }
    }
    var candidates: [String] = []
    if let callee = Repl.enclosingCall(before), let p = session.registry.primitive(callee) {
      candidates += p.params.map { $0.name + ":" }
    }
    candidates += session.registry.names.filter { $0 != "index" }.map { $0 + "(" }
    candidates += definitions.map(\.name)
    candidates += ["show", "param", "import", "true", "false", "none"]
    return Array(Set(candidates.filter { $0.hasPrefix(word) })).sorted()
  }

  /// The primitive whose argument list the cursor is in: the name before the innermost open `(`.
  static func enclosingCall(_ text: String) -> String? {
    var depth = 0
    let chars = Array(text)
    var i = chars.count - 1
    while i >= 0 {
      let c = chars[i]
      if c == ")" { depth += 1 } else if c == "(" {
        if depth == 0 {
          var j = i - 1
          while j >= 0 && chars[j] == " " { j -= 1 }
          var k = j
          while k >= 0 && (chars[k].isLetter || chars[k].isNumber || chars[k] == "_") { k -= 1 }
          return k < j ? String(chars[(k + 1)...j]) : nil
        }
        depth -= 1
      }
      i -= 1
    }
    return nil
  }
}
