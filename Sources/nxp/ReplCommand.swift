import ArgumentParser
import Foundation
import NxpCore
import NxpRuntime

struct ReplCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "repl",
    abstract: "Start the interactive REPL (the default when nxp runs with no arguments).",
    discussion: """
      Enter bindings, params, show statements or expressions; an expression's value is shown.
      Rebinding a name replaces its node and everything downstream recomputes on demand.
      Directives: :help [name], :vars, :plan, :set name=value, :why name, :prov name, :cache, :quit.
      When stdin is not a terminal, lines are read plainly (no prompt, no editing).
      """)

  @Argument(help: "A script whose bindings and params to load first.", completion: .file(extensions: ["nxp"]))
  var file: String?

  @OptionGroup var script: ScriptOptions
  @OptionGroup var cache: CacheOptions

  func run() throws {
    let style = RenderStyle.terminal(
      colors: Terminal.colors(disabled: script.noColor), environment: ProcessInfo.processInfo.environment, width: Terminal.width)
    let session = Session(
      cacheRoot: cache.root, overrides: try script.overrides(), style: style,
      settings: RunSettings.from(environment: ProcessInfo.processInfo.environment),
      reporter: TerminalReporter(progress: Terminal.showsProgress && isatty(STDIN_FILENO) == 1))
    defer { session.close() }
    let repl = Repl(session: session)
    if let file {
      // `nxp bogus` reaches here as `nxp repl bogus`: a word that is no file is a usage error.
      guard FileManager.default.fileExists(atPath: file) else {
        let commands = ["run", "repl", "plan", "cache"]
        var message = "error: '\(TerminalText.visible(file))' is neither a command (\(commands.joined(separator: ", "))) nor a script file"
        if let s = NameSuggester.suggest(file, from: commands) { message += "; did you mean `nxp \(s)`?" }
        Terminal.printError(message + "\n")
        throw ExitCode(ExitStatus.usage)
      }
      guard repl.load(path: file) else { throw ExitCode(ExitStatus.scriptError) }
    }
    repl.loop()
    // Piped input has no one to see the errors scroll by: the exit status says an entry failed.
    if isatty(STDIN_FILENO) != 1 {
      if repl.hadRuntimeFailure { throw ExitCode(ExitStatus.runtimeError) }
      if repl.hadErrors { throw ExitCode(ExitStatus.scriptError) }
    }
  }
}
