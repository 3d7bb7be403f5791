import Foundation
import NxpCore
import NxpInterp
import Testing

/// A throughput measurement, printed rather than asserted (timings on a shared machine are
/// noise). By default it runs a small shape so the suite stays fast; with
/// `NXP_RECORD_BENCH=full` it records all 30 x 1536 SmolLM2-135M neurons:
///
///     NXP_RECORD_BENCH=full swift test -c release -Xswiftc -enable-testing \
///       --filter RecordThroughputTests
///
/// Batches are drawn from a small pool, each excerpt scaled by its own random factor (outside
/// the timed region) so the top excerpts keep changing as they would on fresh text.
@Suite struct RecordThroughputTests {
  @Test func measureTokensPerSecond() throws {
    let full = ProcessInfo.processInfo.environment["NXP_RECORD_BENCH"] == "full"
    let layers = full ? 30 : 2
    let neurons = full ? 1536 : 256
    let tokens = 64
    let batch = 8
    let batches = full ? 128 : 6
    let warmup = full ? 8 : 2
    let c = RecordConfiguration(
      layers: Array(0..<layers), neuronsPerLayer: neurons, tokensPerExcerpt: tokens, excerptCount: 50_000)
    let acc = try RecordAccumulator(c)

    var rng = SplitMix64(seed: 5)
    let pool: [[Float]] = (0..<(full ? 4 : 2)).map { _ in
      (0..<(batch * tokens * neurons)).map { _ in Float(SyntheticActivations.gelu(rng.normal() - 0.5)) }
    }
    var elapsed = 0.0
    var cpu = 0.0
    var steadyElapsed = 0.0
    var input: [Int: [Float]] = [:]
    for b in 0..<batches {
      for l in 0..<layers {
        var m = pool[(b + l) % pool.count]
        let per = tokens * neurons
        for e in 0..<batch {
          let factor = Float(exp(0.2 * rng.normal()))
          for i in (e * per)..<((e + 1) * per) { m[i] *= factor }
        }
        input[l] = m
      }
      let ids = Array((b * batch)..<((b + 1) * batch))
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = Self.cpuSeconds()
      try acc.consume(input, excerptIDs: ids)
      let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      elapsed += wall
      if b >= warmup { steadyElapsed += wall }
      cpu += Self.cpuSeconds() - cpuStart
    }
    let tokensSeen = batches * batch * tokens
    let steadyTokens = (batches - warmup) * batch * tokens
    #expect(acc.excerptsConsumed == batches * batch)

    var t0 = DispatchTime.now().uptimeNanoseconds
    let parts = acc.checkpoint()
    let checkpointSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    t0 = DispatchTime.now().uptimeNanoseconds
    let records = acc.finish()
    let finishSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    #expect(records.layers.count == layers)
    let bytes = parts.values.reduce(0) { $0 + $1.count }
    print(
      String(
        format: "record throughput: %d layers x %d neurons, %d tokens in %.2f s = %.0f tokens/s "
          + "(%.0f after the first %d excerpts; %.0f tokens per CPU-second); state %.0f MB, "
          + "checkpoint %.2f s, finish %.2f s",
        layers, neurons, tokensSeen, elapsed, Double(tokensSeen) / elapsed, Double(steadyTokens) / steadyElapsed,
        warmup * batch, Double(tokensSeen) / cpu, Double(bytes) / 1e6, checkpointSeconds, finishSeconds))
  }

  /// CPU time of the whole process (all threads), which a loaded machine inflates less than
  /// wall time.
  static func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}
