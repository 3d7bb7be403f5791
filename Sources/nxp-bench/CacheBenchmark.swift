import Foundation

/// Re-running a fully cached script: the time a user waits when nothing changed.
/// A generated script of `nodes` nodes (a corpus, then chains of table verbs) shows a third of
/// them; the first run computes everything, the measured runs only hash, look up and load.
struct CacheBenchmark {
  var nxp: String
  var nodes: Int
  var repeats: Int

  struct Result {
    var nodes: Int
    var shown: Int
    var firstRun: Double
    var cachedRun: Double
    var processStart: Double
    var perNodeMicroseconds: Double
  }

  func run() throws -> Result {
    let dir = NSTemporaryDirectory() + "nxp-bench-cache-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var text = ""
    for i in 0..<200 { text += "Document \(i): " + String(repeating: "word\(i % 17) ", count: 5 + i % 23) + "\n\n" }
    try text.write(toFile: dir + "/docs.txt", atomically: true, encoding: .utf8)

    // corpus -> table, then chains of where/sort/head: every node distinct, shown every third.
    var script = "docs = corpus(\"docs.txt\")\nt0 = docs |> table\n"
    var shown = 0
    var count = 2
    var i = 1
    while count < nodes {
      let prev = "t\(i - 1)"
      switch i % 3 {
      case 0: script += "t\(i) = \(prev) |> where(\"bytes\", above: \(i % 50))\n"
      case 1: script += "t\(i) = \(prev) |> sort(by: \"bytes\", descending: \(i % 2 == 0))\n"
      default: script += "t\(i) = t0 |> head(\(10 + i))\n"
      }
      if i % 3 == 0 {
        script += "show t\(i) |> head(1) |> select(\"document\")\n"
        shown += 1
        count += 2
      }
      count += 1
      i += 1
    }
    try script.write(toFile: dir + "/bench.nxp", atomically: true, encoding: .utf8)

    let first = try runChild(nxp, ["run", dir + "/bench.nxp", "--cache", dir + "/cache"])
    guard first.status == 0 else { throw BenchError("first run failed: \(first.stderr)") }
    var cached: [Double] = []
    for _ in 0..<repeats {
      let r = try runChild(nxp, ["run", dir + "/bench.nxp", "--cache", dir + "/cache", "--summary"])
      guard r.status == 0, r.stderr.hasPrefix("[0 computed") else { throw BenchError("cached run recomputed: \(r.stderr)") }
      cached.append(r.seconds)
    }
    var start: [Double] = []
    for _ in 0..<repeats { start.append(try runChild(nxp, ["--version"]).seconds) }
    let c = median(cached), s = median(start)
    return Result(
      nodes: count, shown: shown, firstRun: first.seconds, cachedRun: c, processStart: s, perNodeMicroseconds: (c - s) / Double(count) * 1e6
    )
  }
}
