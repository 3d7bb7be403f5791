import Foundation
import NxpTestSupport
import Testing

/// Reading a big corpus and cutting excerpts keeps memory near what is kept: one 16 MB
/// document once took 745 MB (the model's weights were loaded for its tokenizer, and the JSON
/// line went through several whole copies).
@Suite(.serialized) struct IngestionMemoryTests {
  @Test func excerptsOfOneSixteenMegabyteDocumentStayUnderThreeHundredMegabytes() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try TestEnvironment.temporaryDirectory("nxp-ingest")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let words = ["alpha", "beta", "gamma", "delta", "fortune", "cookie", "neuron", "naïve", "東京", "1984"]
    var doc = ""
    var i = 0
    while doc.utf8.count < 16_000_000 {
      doc += words[(i * 7 + i / 3) % words.count]
      doc += i % 17 == 0 ? "\\n" : (i % 5 == 0 ? ", \\\"q\\\" " : " ")
      i += 1
    }
    try Data("{\"id\": 1, \"text\": \"\(doc)\", \"source\": \"generated\"}\n".utf8).write(to: URL(fileURLWithPath: dir + "/big.jsonl"))
    try """
    model = load("smollm2-135m")
    texts = corpus("\(dir)/big.jsonl") |> excerpts(model, tokens: 64)
    show texts |> head(1)
    """.write(toFile: dir + "/x.nxp", atomically: true, encoding: .utf8)
    let (status, peak) = try Self.run(try TestEnvironment.productPath("nxp"), ["run", dir + "/x.nxp", "--cache", dir + "/cache"])
    #expect(status == 0)
    print(String(format: "excerpts of a 16 MB document: peak RSS %.0f MB", Double(peak) / 1e6))
    #expect(peak < 300_000_000, "peak RSS \(peak / 1_000_000) MB")
  }

  /// Runs a program with output discarded; its exit status and peak resident memory, measured by a
  /// small Python parent (Tests/Reference/peak_rss.py): Linux carries the peak RSS of the process
  /// that spawned a program across exec, so measuring from this large test process would report
  /// its own peak.
  static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, Int) {
    let out = try PythonReference.run("peak_rss.py", [executable] + arguments)
    guard let o = try JSONSerialization.jsonObject(with: out) as? [String: Int], let status = o["status"], let peak = o["peak_bytes"] else {
      throw TestSupportError("peak_rss.py printed \(String(decoding: out, as: UTF8.self))")
    }
    return (Int32(status), peak)
  }
}
