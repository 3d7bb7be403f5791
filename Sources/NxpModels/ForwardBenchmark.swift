import Foundation
import NxpTensor

/// Throughput of the batched forward pass on random excerpts, as `nxp-bench` reports it.
public enum ForwardBenchmark {
  /// Figures of one benchmark run.
  public struct Result: Sendable, CustomStringConvertible {
    /// Excerpts timed (after one untimed warm-up batch).
    public var excerpts: Int
    /// Tokens per excerpt.
    public var tokensPerExcerpt: Int
    /// Excerpts per forward call.
    public var batchSize: Int
    /// Blocks run (captured layers 0..<layers).
    public var layers: Int
    /// The model's thread setting.
    public var threads: Int
    /// Wall time of the timed batches.
    public var seconds: Double
    /// Tokens of the timed batches per wall-clock second.
    public var tokensPerSecond: Double
    /// Projection FLOPs per token over the layers run (see `projectionFLOPsPerToken`).
    public var flopsPerToken: Double
    /// Achieved projection rate, GFLOP/s.
    public var gflops: Double
    /// CPU time (user + system, all threads) the timed batches used; with `seconds` it shows
    /// how much of the machine the run got when other work shares the cores.
    public var cpuSeconds: Double
    /// Tokens per CPU-second: throughput independent of other load, up to scheduling effects.
    public var tokensPerCPUSecond: Double
    /// Peak resident memory of the process so far, bytes.
    public var peakResidentBytes: Int

    public var description: String {
      String(
        format:
          "forward: %d excerpts x %d tokens, batch %d, %d layers captured, %d threads: %.1f tokens/s (%.2f s, %.0f%% CPU, %.1f tokens per CPU-second), %.1f GFLOP/s of projections (%.0f MFLOP/token), peak RSS %.0f MB",
        excerpts, tokensPerExcerpt, batchSize, layers, threads, tokensPerSecond, seconds, 100 * cpuSeconds / seconds,
        tokensPerCPUSecond, gflops, flopsPerToken / 1e6, Double(peakResidentBytes) / 1e6)
    }
  }

  /// Runs `excerpts` random excerpts of `tokensPerExcerpt` tokens in batches of `batchSize`,
  /// capturing the neurons of every layer (no logits), after one untimed warm-up batch.
  public static func run(
    model: TransformerModel, excerpts: Int = 256, tokensPerExcerpt: Int = 64, batchSize: Int = 32, seed: UInt64 = 1
  ) throws -> Result {
    let c = model.configuration
    var rng = SeededGenerator(seed: seed)
    let batches = (excerpts + batchSize - 1) / max(1, batchSize)
    let inputs: [[[Int32]]] = (0..<batches).map { b in
      let n = min(batchSize, excerpts - b * batchSize)
      return (0..<n).map { _ in (0..<tokensPerExcerpt).map { _ in Int32.random(in: 0..<Int32(c.vocabularySize), using: &rng) } }
    }
    let request = ForwardRequest(neuronLayers: Array(0..<c.layerCount))
    let output = ForwardOutput()
    if let first = inputs.first { try model.forward(first, request: request, into: output) }
    let cpuStart = ProcessMemory.cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    for batch in inputs { try model.forward(batch, request: request, into: output) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let cpu = ProcessMemory.cpuSeconds() - cpuStart
    let tokens = Double(excerpts * tokensPerExcerpt)
    let flops = c.projectionFLOPsPerToken()
    return Result(
      excerpts: excerpts, tokensPerExcerpt: tokensPerExcerpt, batchSize: batchSize, layers: c.layerCount, threads: model.threads,
      seconds: seconds, tokensPerSecond: tokens / seconds, flopsPerToken: flops, gflops: tokens * flops / seconds / 1e9,
      cpuSeconds: cpu, tokensPerCPUSecond: tokens / cpu, peakResidentBytes: ProcessMemory.peakResidentBytes())
  }
}

/// Resource figures of this process.
public enum ProcessMemory {
  /// User plus system CPU time of all threads so far (getrusage), in seconds.
  public static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }

  /// Peak resident set size so far (getrusage), in bytes.
  public static func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
  }
}
