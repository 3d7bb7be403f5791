import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nxp-bench",
    abstract: "Measure nxp: cached re-run time and per-node overhead (more figures as primitives land).")

  @Option(help: "The nxp binary to measure (default: the one built beside this program).")
  var nxp: String?

  @Option(help: "Nodes in the generated cached-script benchmark.")
  var nodes = 300

  @Option(help: "Repeats of each timed run (the median is reported).")
  var repeats = 5

  func run() throws {
    let binary = nxp ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("nxp").path
    guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no nxp binary at \(binary); build it with `swift build -c release`") }
    print("nxp-bench: \(binary)")
    let c = try CacheBenchmark(nxp: binary, nodes: nodes, repeats: repeats).run()
    print(String(format: "cache   re-run of a fully cached script, %d nodes (%d shown): %.3f s (first run %.3f s)", c.nodes, c.shown, c.cachedRun, c.firstRun))
    print(String(format: "cache   process start (nxp --version): %.3f s; overhead per node: %.0f us", c.processStart, c.perNodeMicroseconds))
  }
}
