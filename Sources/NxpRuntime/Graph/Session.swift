import Foundation
import NxpCache
import NxpCore
import NxpSyntax

/// Everything one `nxp` invocation or REPL session shares: the primitives, the cache, the
/// evaluator with its in-memory values, and the params set on the command line.
public final class Session {
  public let registry: PrimitiveRegistry
  public let environment: Environment
  public let cache: CacheStore
  public let evaluator: Evaluator
  public let fileHasher: FileHasher
  public var overrides: [String: Value]

  public init(
    cacheRoot: String, environment: Environment = Environment(), overrides: [String: Value] = [:], style: RenderStyle = RenderStyle(),
    settings: RunSettings = RunSettings(), reporter: Reporter = CollectingReporter(), registry: PrimitiveRegistry = .standard
  ) {
    self.registry = registry
    self.environment = environment
    self.overrides = overrides
    cache = CacheStore(root: cacheRoot)
    fileHasher = FileHasher(store: cache)
    evaluator = Evaluator(
      cache: cache, environment: environment, style: style, settings: settings, reporter: reporter, codec: registry.codec)
  }

  /// Where warnings, notes and progress of this session go.
  public var reporter: Reporter { evaluator.reporter }

  /// What each language-model backend of the session cost over the whole run (requests sent or
  /// answered from the request cache), as one line per backend.
  public var languageModelLedgers: [String] {
    evaluator.services.all(SessionBackend.self).compactMap { _, b in
      let t = b.ledger.snapshot
      return t.requests + t.cached + t.failures == 0 ? nil : "\(b.backend.identity): \(t.summary)"
    }
  }

  /// Shuts down the session's shared services (backend clients); call once at exit.
  public func close() { evaluator.services.closeAll() }

  /// Reads, parses and resolves a script file.
  public func load(path: String) -> Program {
    Resolver(primitives: registry.names).load(path: path)
  }

  /// Builds the graph of a resolved program (keys included), or returns its errors.
  public func graph(_ program: Program) -> (Graph?, [Diagnostic]) {
    let hasher = fileHasher
    return GraphBuilder(registry: registry, environment: environment, overrides: overrides, hashFile: { try hasher.hash(file: $0) }).build(
      program)
  }

  // MARK: - Running

  /// Runs the effects of a graph (or of one cell) in order, writing what they show to `output`
  /// and, given a transcript, keeping each cell's outputs, time and values for a report.
  /// Throws `RuntimeFailure` at the first failing call and `Interrupted` on Ctrl-C; values
  /// finished before either stay cached.
  public func run(_ graph: Graph, cell: Int? = nil, transcript: RunTranscript? = nil, output: (String) -> Void) throws {
    var currentCell = -1
    let file = graph.program.script.file
    for effect in graph.effects where cell == nil || effect.effect.cell == cell {
      if effect.effect.cell != currentCell {
        currentCell = effect.effect.cell
        transcript?.begin(cell: currentCell, evaluator: evaluator)
        if let title = graph.program.script.cells[currentCell].title {
          output("# %% \(title)\n")
        }
      }
      if effect.isSinkCall {
        _ = try evaluator.value(effect.values[0])
        transcript?.ran(effect, in: file)
        continue
      }
      for v in effect.values {
        let value = try evaluator.value(v)
        output(render(value))
        if let transcript { transcript.shown(effect, in: file, text: render(value, style: transcript.style)) }
      }
    }
    transcript?.end(evaluator: evaluator)
    recordRun(graph)
  }

  /// What `show` prints for a value.
  public func render(_ v: Value) -> String { render(v, style: evaluator.style) }

  /// What `show` prints for a value, drawn in `style`.
  public func render(_ v: Value, style: RenderStyle) -> String {
    switch v {
    case .object(let o): return o.render(style)
    // Strings come from data: their control characters are shown, never sent to the terminal raw.
    case .string(let raw):
      let s = TerminalText.visible(raw, keepingLines: true)
      return s.hasSuffix("\n") ? s : s + "\n"
    case .record(let fields) where !fields.isEmpty:
      let width = fields.map(\.0.count).max() ?? 0
      return fields.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Table.format($0.1) }.joined(separator: "\n")
        + "\n"
    default: return TerminalText.visible(v.description) + "\n"
    }
  }

  /// Remembers each binding's key so `:why` can explain a later recomputation.
  func recordRun(_ graph: Graph) {
    guard !graph.program.script.file.path.hasPrefix("<") else { return }
    var keys: [String: String] = [:]
    for name in graph.order { if case .node(let n) = graph.bindings[name] { keys[name] = n.key } }
    try? RunLog(store: cache).record(script: absolutePath(graph.program.script.file.path), bindings: keys)
  }

  public func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : environment.workingDirectory + "/" + path
  }
}
