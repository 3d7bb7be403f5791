import ArgumentParser
import Foundation
import NxpCore
import NxpRuntime

/// Exit codes, after sysexits(3): usage 64, script errors 65, runtime errors 70, Ctrl-C 130.
enum ExitStatus {
  static let usage: Int32 = 64
  static let scriptError: Int32 = 65
  static let runtimeError: Int32 = 70
  static let interrupted: Int32 = 130
}

@main
struct NxpCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nxp",
    abstract: "Explain the neurons of language models with a cached dataflow language.",
    discussion: """
      nxp runs .nxp scripts whose bindings form a lazily evaluated graph; every computed value is
      cached on disk by content, so re-running a script only computes what changed.
      With no arguments, nxp starts the REPL.
      """,
    version: nxpVersion,
    subcommands: [RunCommand.self, ReplCommand.self, PlanCommand.self, CacheCommand.self],
    defaultSubcommand: ReplCommand.self)

  static func main() {
    Terminal.prepareStandardStreams()
    main(nil)
  }
}

/// Options every command that touches the cache shares.
struct CacheOptions: ParsableArguments {
  @Option(
    name: .customLong("cache"),
    help: ArgumentHelp("The cache folder (default: $NXP_CACHE_DIR, else the nearest .nxp/cache upward from here).", valueName: "dir"))
  var cacheDirectory: String?

  var root: String {
    if let cacheDirectory { return (cacheDirectory as NSString).expandingTildeInPath }
    return CacheStoreRoot.resolve()
  }
}

/// Options of commands that run or plan a script.
struct ScriptOptions: ParsableArguments {
  @Option(name: .customLong("set"), help: ArgumentHelp("Override a param: --set layer=10 (repeatable).", valueName: "name=value"))
  var assignments: [String] = []

  @Flag(name: .customLong("no-color"), help: "Never use colours or shading.")
  var noColor = false

  func overrides() throws -> [String: Value] {
    var out: [String: Value] = [:]
    for a in assignments {
      do {
        let (name, value) = try ParamOverride.parse(a)
        out[name] = value
      } catch {
        throw ValidationError("--set \(a): \(error)")
      }
    }
    return out
  }
}
