import Foundation
import NxpTestSupport
import NxpViewer
import Testing

/// The notebook report's page: terminal colours become styles, and code, outputs, notes and
/// errors from the script are text, never markup.
@Suite struct NotebookPageTests {
  @Test func terminalColoursBecomeStyledSpansAndTextIsEscaped() {
    // A bold table header, a 256-colour and a 24-bit shaded token, then plain text with markup.
    let text = "\u{1B}[1mneuron\u{1B}[0m\n\u{1B}[38;5;16;48;5;46mcat\u{1B}[0m \u{1B}[38;2;0;0;0;48;2;40;170;40m dog\u{1B}[0m <b>&</b>"
    #expect(
      TerminalHTML.html(text)
        == "<span style=\"font-weight:700\">neuron</span>\n<span style=\"color:#000000;background:#00ff00\">cat</span> <span style=\"color:#000000;background:#28aa28\"> dog</span> &lt;b&gt;&amp;&lt;/b&gt;"
    )
    // Sequences that are not colours (cursor moves, clearing the line) are dropped with their bytes.
    #expect(TerminalHTML.html("a\u{1B}[2Kb\u{1B}[3Ac\u{1B}Xd") == "abcd")
    // The 256-colour palette: basic colours, the cube, the greys.
    #expect(
      TerminalHTML.html("\u{1B}[48;5;1mx\u{1B}[48;5;231my\u{1B}[48;5;244mz\u{1B}[49mw")
        == "<span style=\"background:#cd0000\">x</span><span style=\"background:#ffffff\">y</span><span style=\"background:#808080\">z</span>w"
    )
  }

  static let hostile = "</pre><script>alert(1)</script><img src=x onerror=alert(2)>"

  static func report() -> NotebookReport {
    let cell = NotebookCell(
      index: 1, title: "Cell <one> & \"two\"",
      code: [(3, "x = tokens(model, \"\(hostile)\")  # \(hostile)"), (5, "show x")], ran: true, seconds: 1.25,
      outputs: [
        NotebookOutput(kind: .shown, line: 5, code: "show x", text: "\u{1B}[1mtoken\u{1B}[0m\n\(hostile)\n"),
        NotebookOutput(kind: .note, text: "view: 3 neuron pages in v; open file:///tmp/v <x>/index.html now"),
        NotebookOutput(kind: .warning, text: hostile),
        NotebookOutput(kind: .error, text: "s.nxp:5:6: error: \(hostile)\n"),
      ],
      computed: [NotebookValue(name: hostile, primitive: "tokens", seconds: 0.5, notes: [("backend", hostile)])],
      loaded: [NotebookValue(name: "model", primitive: "load", seconds: 2, computedAt: Date(timeIntervalSince1970: 0))])
    let idle = NotebookCell(index: 2, title: "Later", code: [(7, "y = 1")], skipped: true)
    return NotebookReport(
      script: "dir/\(hostile).nxp", started: Date(timeIntervalSince1970: 86_400), seconds: 75, outcome: .failed, cells: [cell, idle],
      computed: 1, loaded: 1, saved: 0,
      provenance: NotebookProvenance(
        nxpVersion: "0.1.0", scriptHash: "abc", cache: "/c", overrides: [("name", hostile)], files: [(path: hostile, hash: "sha256 ff")],
        ledgers: ["local:m: 2 requests"]))
  }

  @Test func everyPieceOfTheScriptIsTextAndThePageHasNoScript() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-notebook")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let html = NotebookPage(Self.report()).html()
    try html.write(toFile: dir + "/r.html", atomically: true, encoding: .utf8)
    let page = try #require(try HTMLInventory.read([dir + "/r.html"])[dir + "/r.html"])
    #expect(page.scripts.isEmpty)
    for (name, attributes) in page.tags {
      #expect(!["img", "script", "iframe", "object"].contains(name), "<\(name)> in the page")
      for (k, v) in attributes { #expect(!k.hasPrefix("on"), "<\(name) \(k)=\(v)>") }
    }
    // The hostile text appears as text: in the title, code, output, warning, error, values and provenance.
    #expect(page.text.components(separatedBy: Self.hostile).count - 1 >= 9, "\(page.text)")
    #expect(page.text.contains("Cell <one> & \"two\""))
    // Line numbers are the script's; the note's address is a link and the rest of it text.
    #expect(html.contains("<span class=\"ln\">3</span>") && html.contains("<span class=\"ln\">5</span>show x"))
    #expect(page.links == ["#cell-1", "#cell-2", "file:///tmp/v"])
    #expect(page.text.contains("<x>/index.html now"))
    #expect(html.contains("stopped at an error") && html.contains("1 min 15 s") && html.contains("ran 1970-01-02 00:00:00 UTC"))
    #expect(html.contains("<span class=\"badge\" title=\"--cell ran another cell\">not run</span>"))
    #expect(html.contains("cache <span class=\"t\">(computed 1970-01-01 00:00:00 UTC)</span>"))
    #expect(page.text.contains("--set name=\(Self.hostile)"))
  }
}
