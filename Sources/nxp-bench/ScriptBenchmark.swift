import Foundation

/// Reading a big script: `nxp plan` (read, lex, parse, resolve, build the graph and its keys; no
/// value is computed) of generated one-line scripts of about `megabytes` MB, one a list of
/// integers (millions of tokens) and one a single string literal, each timed with its peak memory.
struct ScriptBenchmark {
  var nxp: String
  var megabytes: Int

  struct Result {
    /// What the script holds ("a list of 5679012 integers").
    var what: String
    var bytes: Int
    var seconds: Double
    var peakRSSBytes: Int
  }

  func run() throws -> [Result] {
    let dir = NSTemporaryDirectory() + "nxp-bench-script-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let target = megabytes * 1_000_000

    // x = [0, 1, 2, ...]: two tokens an element (the number and its comma).
    var list = "x = ["
    var count = 0
    while list.utf8.count < target {
      if count > 0 { list += ", " }
      list += String(count)
      count += 1
    }
    list += "]\nshow x |> head(3)\n"
    // x = "...": ASCII with some two-byte characters, one token.
    let piece = "fortune é cookie "
    let string = "x = \"" + String(repeating: piece, count: target / piece.utf8.count) + "\"\nshow 1\n"

    let scripts = [("list", list, "a list of \(count) integers"), ("string", string, "a single string literal")]
    return try scripts.map { name, text, what in
      let path = dir + "/\(name).nxp"
      try text.write(toFile: path, atomically: false, encoding: .utf8)
      let r = try runChild(nxp, ["plan", path, "--cache", dir + "/cache"])
      guard r.status == 0 else { throw BenchError("nxp plan of the \(name) script failed (\(r.status)): \(r.stderr.prefix(400))") }
      return Result(what: what, bytes: text.utf8.count, seconds: r.seconds, peakRSSBytes: r.peakRSSBytes)
    }
  }
}
