import Foundation

/// Writing the neuron viewer for one full layer: a child `nxp run` records layer 14 of the
/// default model and computes every neuron's related neurons and tokens (cached), then two runs
/// over that cache: one that only loads both values, one that loads them and writes the viewer.
/// The difference is the viewer's own time; the second run's peak memory is what writing it needs.
struct ViewerBenchmark {
  var nxp: String
  var excerpts: Int

  struct Result {
    var pages: Int
    var bytes: Int
    var loadSeconds: Double
    var viewSeconds: Double
    var peakRSSBytes: Int
    var writeSeconds: Double { max(0, viewSeconds - loadSeconds) }
  }

  func run() throws -> Result {
    let dir = NSTemporaryDirectory() + "nxp-bench-view-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let values = """
      model = load("smollm2-135m")
      texts = corpus("fortunes") |> excerpts(model, tokens: 64, limit: \(excerpts), seed: 0)
      acts = record(model, texts, layers: [14])
      rel = related(model, layer: 14)

      """
    // `show` of the values themselves reads them from the cache (a derived value would be cached on its own).
    try (values + "show acts\nshow rel\n").write(toFile: dir + "/load.nxp", atomically: true, encoding: .utf8)
    try (values + "view(acts, related: rel, to: \"viewer\")\n").write(toFile: dir + "/view.nxp", atomically: true, encoding: .utf8)
    let arguments = { (script: String) in ["run", dir + "/" + script, "--cache", dir + "/cache"] }
    let prepared = try runChild(nxp, arguments("load.nxp"))
    guard prepared.status == 0 else { throw BenchError("viewer benchmark: computing the values failed: \(prepared.stderr)") }
    let load = try runChild(nxp, arguments("load.nxp"))
    guard load.status == 0 else { throw BenchError("viewer benchmark: loading the values failed: \(load.stderr)") }
    let view = try runChild(nxp, arguments("view.nxp"))
    guard view.status == 0 else { throw BenchError("viewer benchmark: writing the viewer failed: \(view.stderr)") }
    var pages = 0
    var bytes = 0
    for case let path as String in FileManager.default.enumerator(atPath: dir + "/viewer")! {
      let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/viewer/" + path)
      guard (attributes[.type] as? FileAttributeType) == .typeRegular else { continue }
      if path.hasPrefix("neurons/") { pages += 1 }
      bytes += (attributes[.size] as? Int) ?? 0
    }
    return Result(pages: pages, bytes: bytes, loadSeconds: load.seconds, viewSeconds: view.seconds, peakRSSBytes: view.peakRSSBytes)
  }
}
