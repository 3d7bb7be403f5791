import Foundation
import NxpTestSupport
import Testing

/// `nxp run FILE --report out.html` on SmolLM2: each cell's code and output (shaded records
/// included), what was computed and what came from the cache, provenance, and a failed run's
/// report holding its error.
@Suite(.serialized) struct ReportTests {
  static let script = """
    # A small notebook.
    # expect: nothing (the test reads the report, not these lines)

    # %% Load
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 12, limit: 40, seed: 0)
    show tokens(model, "a <b> & \\"c\\"")

    # %% Record
    acts = record(model, texts, layers: [2], top: 4, random: 3)
    top = topk(acts, k: 4, random: 3)
    show top[2:5]
    save(top |> table |> head(3), to: "t.csv")

    """

  static func page(_ path: String) throws -> (html: String, inventory: HTMLInventory) {
    let html = try String(contentsOfFile: path, encoding: .utf8)
    return (html, try HTMLInventory.read([path])[path]!)
  }

  @Test func aRunIsWrittenAsANotebookWithItsProvenance() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-report")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    // A report that cannot be written is said before anything is computed.
    let refused = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--report", "s.nxp/r.html"], in: dir)
    #expect(refused.status == 64, "\(refused)")
    #expect(
      refused.stderr == "error: cannot write the report to 's.nxp/r.html': cannot make the folder 's.nxp'\n", "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/cache/objects"), "nothing was computed")

    let run = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--report", "out/r.html"], in: dir)
    #expect(run.status == 0, "\(run)")
    #expect(run.stderr.contains("report: out/r.html"), "\(run.stderr)")
    let (html, page) = try Self.page(dir + "/out/r.html")
    #expect(page.scripts.isEmpty, "the report runs no script")
    #expect(!page.tags.contains { $0.name == "b" }, "a token's markup is text")
    #expect(page.text.contains(#"show tokens(model, "a <b> & \"c\"")"#))
    // Every cell with its title and code, numbered as in the script; test lines are left out.
    #expect(html.contains("<h2>Load</h2>") && html.contains("<h2>Record</h2>"))
    #expect(html.contains("<span class=\"ln\">10</span>acts = record(model, texts, layers: [2], top: 4, random: 3)\n"))
    #expect(!page.text.contains("expect: nothing"))
    // What show printed: the stdout's lines, and the records shaded as 24-bit backgrounds.
    let load = run.stdout.components(separatedBy: "# %% Record")[0].split(separator: "\n").dropFirst()
    #expect(load.count == 10, "\(run.stdout)")
    for line in load { #expect(page.text.contains(line), "stdout line not in the report: \(line)") }
    let shaded = html.components(separatedBy: "<span style=\"color:#000000;background:#").count - 1
    #expect(shaded > 10, "\(shaded) shaded tokens")
    #expect(
      html.contains(
        "<div class=\"out ran\"><div class=\"ocap\"><span class=\"ln\">13</span><code>save(top |&gt; table |&gt; head(3), to: \"t.csv\")</code></div><p>ran</p></div>"
      ))
    // What was computed, with the primitive that computed it.
    #expect(html.contains("<span class=\"badge computed\">"))
    #expect(html.contains("<tr><td><code>acts</code></td><td>record</td><td>computed</td>"))
    // Provenance: the model file's hash, nxp's version, the script's hash.
    let model = try TestEnvironment.defaultModelPath()
    let hash = try #require(
      page.text.range(of: model + " sha256 ").map { String(page.text[$0.upperBound...].prefix(64)) })
    #expect(hash.count == 64 && hash.allSatisfy(\.isHexDigit), "\(hash)")
    let version = try CommandRunner.nxp(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!version.isEmpty && html.contains("<tr><th>nxp</th><td>\(version)</td></tr>"), "nxp --version: \(version)")

    // Again: the values come from the cache and the report says so, with when they were computed.
    let again = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--report", "out/r.html"], in: dir)
    #expect(again.status == 0, "\(again)")
    let (cached, _) = try Self.page(dir + "/out/r.html")
    #expect(!cached.contains("<span class=\"badge computed\">"))
    #expect(cached.contains("<span class=\"badge cached\">"))
    // Only what is shown is loaded: top[2:5] is in the cache, so neither top nor acts is needed.
    #expect(cached.contains("<tr><td><code>top[2:5]</code></td><td>index</td><td>cache <span class=\"t\">(computed "))
    #expect(!cached.contains("<code>acts</code>") && !cached.contains("<code>top</code>"))

    if Browser.enabled {
      let dom = try Browser.dumpDOM(dir + "/out/r.html")
      #expect(dom.contains("<h2>Record</h2>") && dom.contains("Provenance"))
      try Browser.screenshot(dir + "/out/r.html", to: dir + "/r.png")
    }
  }

  @Test func aFailedRunWritesTheReportWithItsError() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-report")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script = Self.script + "# %% Broken\nshow top |> neurons(indices: [5000])\n"
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let run = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--report", "r.html"], in: dir)
    #expect(run.status == 70, "\(run)")
    let (html, page) = try Self.page(dir + "/r.html")
    #expect(html.contains("stopped at an error"))
    // The error as the terminal printed it (file:line:col and the caret), in the cell that failed.
    let diagnostic = run.stderr.split(separator: "\n").first { $0.hasPrefix("s.nxp:15:") }
    let first = try #require(diagnostic.map(String.init), "\(run.stderr)")
    #expect(page.text.contains(first))
    let broken = try #require(html.range(of: "<h2>Broken</h2>"))
    #expect(html[broken.upperBound...].contains("<div class=\"msg err\">"))
    // The cells before it kept what they showed.
    #expect(page.text.contains(#"show tokens(model, "a <b> & \"c\"")"#))
  }
}
