import ArgumentParser
import Foundation
import NxpInterp
import NxpModels
import NxpTensor

@main
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nxp-bench",
    abstract: "Measure nxp: sgemm and forward-pass rates, record throughput and memory, cached re-run time.",
    discussion: """
      Prints the figures the README quotes. Timings share the machine with whatever else runs;
      tokens per CPU-second are printed beside tokens per second for that reason.
      """)

  @Option(help: "The nxp binary to measure (default: the one built beside this program).")
  var nxp: String?

  @Option(help: "Excerpts of 64 tokens in the record throughput run (all 30 layers).")
  var excerpts = 2000

  @Option(help: "Nodes in the generated cached-script benchmark.")
  var nodes = 300

  @Option(help: "Repeats of each timed run of the cache benchmark (the median is reported).")
  var repeats = 5

  @Flag(help: "Only the cache benchmark (no model needed).")
  var cacheOnly = false

  func run() throws {
    let binary = nxp ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("nxp").path
    guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no nxp binary at \(binary); build it with `swift build -c release`") }
    print("nxp-bench: \(binary), \(ProcessInfo.processInfo.activeProcessorCount) cores")

    if !cacheOnly {
      // Peak sgemm rates: the ceiling for the forward pass.
      let sgemm = SgemmBenchmark.standard()
      for m in sgemm { print("sgemm   \(m)") }
      let peak = sgemm.map(\.gflops).max() ?? 0

      let loadStart = Date()
      let model = try ModelRegistry.load("smollm2-135m")
      print(String(format: "model   %@ loaded in %.2f s: %.0f MB of float32 weights", model.name, Date().timeIntervalSince(loadStart), Double(model.weightBytes) / 1e6))
      let flops = model.configuration.projectionFLOPsPerToken()
      let f = try ForwardBenchmark.run(model: model, excerpts: 256, tokensPerExcerpt: 64, batchSize: 32)
      print(String(format: "forward %.1f tokens/s (%.1f tokens per CPU-second), all %d layers' neurons of %@, batch 32: %.1f GFLOP/s = %.0f%% of peak sgemm (%.0f MFLOP/token; limit %.0f tokens/s)",
        f.tokensPerSecond, f.tokensPerCPUSecond, model.configuration.layerCount, model.name, f.gflops, 100 * f.gflops / peak, flops / 1e6, peak * 1e9 / flops))

      // record end to end, and its memory at 10x and 100x the top-k buffer's 20 excerpts.
      let big = try RecordBenchmark(nxp: binary, excerpts: excerpts).run()
      let small = try RecordBenchmark(nxp: binary, excerpts: max(1, excerpts / 10)).run()
      let rate = big.tokensPerSecond * flops / 1e9
      print(String(format: "record  %.1f tokens/s: %d excerpts x 64 tokens, all 30 layers x 1536 neurons, in %.1f s (%.1f GFLOP/s = %.0f%% of peak sgemm)",
        big.tokensPerSecond, big.excerpts, big.recordSeconds, rate, 100 * rate / peak))
      let c = model.configuration
      let state = RecordConfiguration(layers: [0], neuronsPerLayer: c.intermediateSize, excerptCount: 1).stateBytesPerNeuron
      print(String(format: "memory  record state (defaults: top 20, random 20, 4 per quantile bucket): %d bytes per neuron, %.0f MB per layer, %.2f GB for all %d layers",
        state, Double(state * c.intermediateSize) / 1e6, Double(state * c.intermediateSize * c.layerCount) / 1e9, c.layerCount))
      print(String(format: "memory  peak RSS of `nxp run` recording all 30 layers: %.0f MB for %d excerpts, %.0f MB for %d excerpts",
        Double(small.peakRSSBytes) / 1e6, small.excerpts, Double(big.peakRSSBytes) / 1e6, big.excerpts))
    }

    let c = try CacheBenchmark(nxp: binary, nodes: nodes, repeats: repeats).run()
    print(String(format: "cache   re-run of a fully cached script, %d nodes (%d shown): %.3f s (first run %.3f s)", c.nodes, c.shown, c.cachedRun, c.firstRun))
    print(String(format: "cache   process start (nxp --version): %.3f s; overhead per node: %.0f us", c.processStart, c.perNodeMicroseconds))
    let (inMemory, fromFile) = ChecksumBenchmark.run()
    print(String(format: "cache   XXH64 checksum of every value read: %.1f GB/s in memory, %.1f GB/s from a cached 256 MB file", inMemory, fromFile))
  }
}
