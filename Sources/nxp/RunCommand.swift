import ArgumentParser
import Foundation
import NxpCore
import NxpLineEdit
import NxpRuntime

struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a script: compute what its show and save statements need, print what they show.",
    discussion:
      "Values already in the cache are loaded, not recomputed. Exit status: 0 ok, 64 usage, 65 script errors, 70 runtime errors, 130 interrupted."
  )

  @Argument(help: "The script to run.", completion: .file(extensions: ["nxp"]))
  var file: String

  @Option(name: .customLong("cell"), help: ArgumentHelp("Run only the cell with this title (and what it depends on).", valueName: "title"))
  var cell: String?

  @Flag(
    name: .customLong("summary"),
    help: "Print how many values were computed and loaded from the cache (on stderr; always shown on a terminal).")
  var summary = false

  @Option(
    name: .customLong("report"),
    help: ArgumentHelp(
      "Also write the run as one HTML page: each cell's code and output, timings, what was computed or cached, and provenance.",
      valueName: "out.html"))
  var report: String?

  @OptionGroup var script: ScriptOptions
  @OptionGroup var cache: CacheOptions

  func run() throws {
    let style = RenderStyle.terminal(
      colors: Terminal.colors(disabled: script.noColor), environment: ProcessInfo.processInfo.environment, width: Terminal.width)
    let transcript = report.map { _ in RunTranscript() }
    let terminal = TerminalReporter(progress: Terminal.showsProgress)
    let session = Session(
      cacheRoot: cache.root, overrides: try script.overrides(), style: style,
      settings: RunSettings.from(environment: ProcessInfo.processInfo.environment),
      reporter: transcript?.reporter(forwardingTo: terminal) ?? terminal)
    defer { session.close() }
    guard FileManager.default.fileExists(atPath: file) else {
      Terminal.printError("error: no such script '\(TerminalText.visible(file))'\n")
      throw ExitCode(ExitStatus.usage)
    }
    if let report {
      // The report's folder is made now, and a path that cannot hold it said now, before
      // anything is computed.
      let folder = (report as NSString).deletingLastPathComponent
      do {
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
      } catch {
        Terminal.printError(
          "error: cannot write the report to '\(TerminalText.visible(report))': cannot make the folder '\(TerminalText.visible(folder))'\n")
        throw ExitCode(ExitStatus.usage)
      }
    }
    let program = session.load(path: file)
    let (graph, diagnostics) = session.graph(program)
    if !diagnostics.isEmpty { Terminal.report(diagnostics) }
    guard let graph else { throw ExitCode(ExitStatus.scriptError) }

    var cellIndex: Int?
    if let cell {
      guard let c = program.cell(titled: cell) else {
        let titles = program.script.cells.compactMap(\.title)
        var message = "error: \(file) has no cell titled \"\(cell)\""
        if let s = NameSuggester.suggest(cell, from: titles) { message += "; did you mean \"\(s)\"?" }
        message += titles.isEmpty ? " (it has no titled cells)" : " (cells: \(titles.map { "\"\($0)\"" }.joined(separator: ", ")))"
        Terminal.printError(TerminalText.visible(message) + "\n")
        throw ExitCode(ExitStatus.usage)
      }
      cellIndex = c.index
    }
    try execute(session: session, graph: graph, cell: cellIndex, transcript: transcript)
  }

  func execute(session: Session, graph: Graph, cell: Int?, transcript: RunTranscript?) throws {
    Cancellation.signalFlag = LineEditor.installInterruptHandler()
    let started = Date()
    do {
      try session.run(graph, cell: cell, transcript: transcript) { Terminal.write($0) }
    } catch let failure as RuntimeFailure {
      Terminal.report([failure.diagnostic])
      transcript?.stopped(.failed, DiagnosticRenderer(colors: false).render(failure.diagnostic), evaluator: session.evaluator)
      writeReport(transcript, session: session, graph: graph)
      throw ExitCode(ExitStatus.runtimeError)
    } catch is Interrupted {
      let message = "interrupted: values finished before Ctrl-C are cached; run again to resume"
      Terminal.printError("\n\(message)\n")
      transcript?.stopped(.interrupted, message, evaluator: session.evaluator)
      writeReport(transcript, session: session, graph: graph)
      throw ExitCode(ExitStatus.interrupted)
    }
    // What the run cost each language-model backend it used, summed over its calls.
    for line in session.languageModelLedgers { Terminal.printError("ledger: " + TerminalText.visible(line) + "\n") }
    let e = session.evaluator
    if Terminal.stderrIsTTY || summary {
      let saved = e.sinksRun > 0 ? ", \(e.sinksRun) saved" : ""
      Terminal.printError(
        String(
          format: "[%d computed, %d loaded from cache%@, %.2fs]\n", e.computed.count, e.loaded.count, saved,
          Date().timeIntervalSince(started)))
    }
    guard writeReport(transcript, session: session, graph: graph) else { throw ExitCode(Terminal.outputErrorStatus) }
  }

  /// Writes the notebook report, whole or not at all; false (and said) when it could not be
  /// written. The values of the run stay cached either way.
  @discardableResult
  func writeReport(_ transcript: RunTranscript?, session: Session, graph: Graph) -> Bool {
    guard let transcript, let report else { return true }
    let overrides = script.assignments.map { a -> (String, String) in
      let parts = a.split(separator: "=", maxSplits: 1)
      return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
    }
    let html = transcript.html(session: session, graph: graph, script: file, overrides: overrides)
    do {
      try AtomicFile.write(Data(html.utf8), to: report)
      Terminal.printError("report: \(TerminalText.visible(report))\n")
      return true
    } catch {
      Terminal.printError("error: could not write the report to '\(TerminalText.visible(report))': \(error)\n")
      return false
    }
  }
}

struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Print a script's graph: every node, its key, whether it is cached, and what a run would compute.")

  @Argument(help: "The script to plan.", completion: .file(extensions: ["nxp"]))
  var file: String

  @OptionGroup var script: ScriptOptions
  @OptionGroup var cache: CacheOptions

  func run() throws {
    let session = Session(cacheRoot: cache.root, overrides: try script.overrides())
    guard FileManager.default.fileExists(atPath: file) else {
      Terminal.printError("error: no such script '\(TerminalText.visible(file))'\n")
      throw ExitCode(ExitStatus.usage)
    }
    let program = session.load(path: file)
    let (graph, diagnostics) = session.graph(program)
    if !diagnostics.isEmpty { Terminal.report(diagnostics) }
    guard let graph else { throw ExitCode(ExitStatus.scriptError) }
    let plan = Plan(graph: graph, evaluator: session.evaluator)
    Terminal.write(plan.render(title: "plan of \(file) (cache: \(cache.root))", width: Terminal.width))
  }
}
