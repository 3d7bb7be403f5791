import Foundation
import NxpCache
import NxpModels
import NxpTensor

/// `record` on the default model, end to end: a child `nxp run` records every layer of
/// SmolLM2-135M over fortunes excerpts of 64 tokens, with a fresh cache. The record node's own
/// wall time comes from its cache manifest; the process's peak memory from wait4.
struct RecordBenchmark {
  var nxp: String
  var excerpts: Int
  var batch: Int

  struct Result {
    var excerpts: Int
    var tokens: Int
    var recordSeconds: Double
    var processSeconds: Double
    var peakRSSBytes: Int
    var tokensPerSecond: Double { Double(tokens) / recordSeconds }
  }

  func run() throws -> Result {
    let dir = NSTemporaryDirectory() + "nxp-bench-record-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = """
      model = load("smollm2-135m")
      texts = corpus("fortunes") |> excerpts(model, tokens: 64, limit: \(excerpts), seed: 0)
      acts = record(model, texts, batch: \(batch))
      show acts |> table |> head(1)
      """
    try script.write(toFile: dir + "/record.nxp", atomically: true, encoding: .utf8)
    let r = try runChild(nxp, ["run", dir + "/record.nxp", "--cache", dir + "/cache"])
    guard r.status == 0 else { throw BenchError("record run failed (\(r.status)): \(r.stderr)") }
    guard let entry = CacheStore(root: dir + "/cache").ls().first(where: { $0.primitive == "record" }),
      let manifest = try CacheStore(root: dir + "/cache").get(entry.key)?.manifest
    else { throw BenchError("the record value is not in the cache") }
    return Result(
      excerpts: excerpts, tokens: excerpts * 64, recordSeconds: manifest.wallTime, processSeconds: r.seconds,
      peakRSSBytes: r.peakRSSBytes)
  }
}
