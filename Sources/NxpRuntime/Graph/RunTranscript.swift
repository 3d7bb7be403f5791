import Foundation
import NxpCache
import NxpCore
import NxpSyntax
import NxpViewer

/// Records a run for its notebook report (`nxp run FILE --report out.html`): per cell, what it
/// showed (drawn again in `style`, with colours and shading, whatever the terminal is), the
/// notes and warnings it raised, its time, and the values it computed or loaded.
public final class RunTranscript: @unchecked Sendable {
  /// How shown values are drawn for the report: 24-bit shading, a wide page.
  public let style: RenderStyle
  public let started = Date()
  private let lock = NSLock()

  struct CellRecord {
    var outputs: [NotebookOutput] = []
    var seconds: Double = 0
    var computed: [String] = []
    var loaded: [String] = []
  }
  private var cells: [Int: CellRecord] = [:]
  private var current: Int?
  private var cellStarted = Date()
  private var marks = (computed: 0, loaded: 0)
  /// Messages raised before the first cell began, given to it.
  private var early: [NotebookOutput] = []
  private(set) var outcome: NotebookReport.Outcome = .completed

  public init(style: RenderStyle = RenderStyle(colors: true, truecolor: true, maxRows: 20, width: 120)) {
    self.style = style
  }

  /// A reporter that forwards to `inner` and keeps each message in the cell that raised it.
  public func reporter(forwardingTo inner: Reporter) -> Reporter { TranscriptReporter(inner: inner, transcript: self) }

  func message(_ kind: NotebookOutput.Kind, _ text: String) {
    lock.lock()
    defer { lock.unlock() }
    let output = NotebookOutput(kind: kind, text: text)
    if let c = current { cells[c, default: CellRecord()].outputs.append(output) } else { early.append(output) }
  }

  private func append(_ output: NotebookOutput) {
    lock.lock()
    defer { lock.unlock() }
    guard let c = current else { return }
    cells[c, default: CellRecord()].outputs.append(output)
  }

  // MARK: - Called by Session.run

  func begin(cell: Int, evaluator: Evaluator) {
    end(evaluator: evaluator)
    lock.lock()
    current = cell
    cells[cell, default: CellRecord()].outputs += early
    early = []
    lock.unlock()
    cellStarted = Date()
    marks = (evaluator.computed.count, evaluator.loaded.count)
  }

  /// Closes the current cell: its time and the values it computed and loaded.
  func end(evaluator: Evaluator) {
    guard let c = current else { return }
    lock.lock()
    var r = cells[c, default: CellRecord()]
    r.seconds += Date().timeIntervalSince(cellStarted)
    r.computed += evaluator.computed.dropFirst(marks.computed)
    r.loaded += evaluator.loaded.dropFirst(marks.loaded)
    cells[c] = r
    current = nil
    lock.unlock()
  }

  func shown(_ effect: GraphEffect, in file: SourceFile, text: String) {
    append(NotebookOutput(kind: .shown, line: effect.effect.statement.range.start.line, code: RunTranscript.code(effect, file), text: text))
  }

  func ran(_ effect: GraphEffect, in file: SourceFile) {
    append(NotebookOutput(kind: .ran, line: effect.effect.statement.range.start.line, code: RunTranscript.code(effect, file), text: "ran"))
  }

  /// The run stopped early (an error, Ctrl-C): `message` goes into the cell that was running.
  public func stopped(_ outcome: NotebookReport.Outcome, _ message: String, evaluator: Evaluator) {
    lock.lock()
    self.outcome = outcome
    lock.unlock()
    self.message(.error, message)
    end(evaluator: evaluator)
  }

  static func code(_ effect: GraphEffect, _ file: SourceFile) -> String {
    let r = effect.effect.statement.range
    let lines = file.lines[max(0, r.start.line - 1)..<min(file.lines.count, r.end.line)]
    return lines.joined(separator: "\n").trimmingCharacters(in: .whitespaces)
  }

  // MARK: - The report

  /// The notebook of the run so far: every cell of the script in order, with what each did.
  public func report(session: Session, graph: Graph, script: String, overrides: [(String, String)]) -> NotebookReport {
    let file = graph.program.script.file
    let e = session.evaluator
    // Values by key: the binding's name, or the call's text for an unnamed value.
    var nodes: [String: Node] = [:]
    for n in graph.nodes where nodes[n.key] == nil || nodes[n.key]?.bindingName == nil && n.bindingName != nil { nodes[n.key] = n }
    func value(_ key: String) -> NotebookValue {
      let node = nodes[key]
      let name = node?.bindingName ?? node.map { RunTranscript.shortened($0.site.text) } ?? String(key.prefix(12))
      let manifest = (try? e.cache.get(key))?.map(\.manifest)
      var notes: [(String, String)] = []
      for k in (manifest?.info.keys.sorted() ?? []) where !Provenance.ownInfo.contains(k) {
        if case .string(let line)? = manifest?.info[k] { notes.append((k, line)) }
      }
      return NotebookValue(
        name: name, primitive: node?.primitive.name ?? manifest?.primitive ?? "", seconds: manifest?.wallTime,
        computedAt: manifest?.created, notes: notes)
    }
    lock.lock()
    let records = cells
    let outcome = self.outcome
    lock.unlock()

    let scriptCells = graph.program.script.cells
    var out: [NotebookCell] = []
    for (i, cell) in scriptCells.enumerated() {
      // The cell's lines: from its marker (or the file's start) to the next marker.
      let first = cell.markerRange?.start.line ?? 1
      let next = i + 1 < scriptCells.count ? (scriptCells[i + 1].markerRange?.start.line ?? file.lines.count + 1) : file.lines.count + 1
      let range = min(file.lines.count, first - 1)..<min(file.lines.count, next - 1)
      // Lines the test suite reads (`# expect:`, `# test-args:`) say nothing to a reader.
      var lines = range.map { (line: $0 + 1, text: String(file.lines[$0])) }.filter { l in
        let t = l.text.trimmingCharacters(in: .whitespaces)
        return !t.hasPrefix("# expect:") && !t.hasPrefix("# test-args:")
      }
      while let last = lines.last, last.text.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
      if lines.isEmpty && records[i] == nil { continue }
      let r = records[i]
      let hasEffects = graph.effects.contains { $0.effect.cell == i }
      out.append(
        NotebookCell(
          index: i, title: cell.title, code: lines, ran: r != nil,
          skipped: r == nil && hasEffects, seconds: r?.seconds, outputs: r?.outputs ?? [], computed: r?.computed.map(value) ?? [],
          loaded: r?.loaded.map(value) ?? []))
    }

    // Files the evaluated values depend on, with their hashes.
    let evaluated = Set(e.computed + e.loaded)
    var files: [String: String] = [:]
    for n in graph.nodes where evaluated.contains(n.key) || !n.primitive.persists {
      for (path, hash) in n.fileHashes { files[path] = hash }
    }
    let provenance = NotebookProvenance(
      nxpVersion: nxpVersion, scriptHash: ContentHash.hex(file.text), cache: e.cache.root, overrides: overrides,
      files: files.keys.sorted().map { (path: $0, hash: "sha256 " + files[$0]!) }, ledgers: session.languageModelLedgers)
    return NotebookReport(
      script: script, started: started, seconds: Date().timeIntervalSince(started), outcome: outcome, cells: out,
      computed: e.computed.count, loaded: e.loaded.count, saved: e.sinksRun, provenance: provenance)
  }

  /// The report as its HTML page.
  public func html(session: Session, graph: Graph, script: String, overrides: [(String, String)]) -> String {
    NotebookPage(report(session: session, graph: graph, script: script, overrides: overrides)).html()
  }

  /// A call's text on one line, cut to a readable length.
  static func shortened(_ text: String) -> String {
    let one = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    return one.count <= 60 ? one : String(one.prefix(59)) + "…"
  }
}

/// Forwards every message and keeps it for the report.
final class TranscriptReporter: Reporter, @unchecked Sendable {
  let inner: Reporter
  let transcript: RunTranscript
  var progressSink: ProgressSink? { inner.progressSink }

  init(inner: Reporter, transcript: RunTranscript) {
    self.inner = inner
    self.transcript = transcript
  }

  func warning(_ message: String) {
    inner.warning(message)
    transcript.message(.warning, message)
  }

  func note(_ message: String) {
    inner.note(message)
    transcript.message(.note, message)
  }
}
