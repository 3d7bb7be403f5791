import Foundation
import NxpTestSupport
import Testing

/// `view` on real values: SmolLM2's records of three neurons, two explained by the token
/// baseline, simulated by the local engine and scored, written as a viewer and opened in
/// headless Chromium.
@Suite(.serialized) struct ViewerTests {
  static let script = """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 12, limit: 60, seed: 0)
    acts = record(model, texts, layers: [6], top: 8, random: 6)
    chosen = topk(acts, k: 8, random: 6) |> neurons(indices: [212, 367, 35])
    expl = explain(chosen |> neurons(indices: [212, 367]), by: "baseline")
    sims = simulate(expl, chosen, by: "local", splits: ["valid"])
    scores = score(sims)
    save(sims, to: "sims.jsonl")
    save(scores, to: "scores.json")
    view(chosen, scores: scores, simulations: sims, explanations: expl, to: "viewer")

    """

  static let pages = ["neurons/6/212.html", "neurons/6/35.html", "neurons/6/367.html"]

  /// A number as the pages print it: fixed digits, and no sign on a value that rounds to zero.
  static func fixed(_ x: Double, _ digits: Int) -> String {
    let s = String(format: "%.\(digits)f", x)
    return s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
  }

  /// Every file under `dir`, by relative path, with its bytes.
  static func files(_ dir: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for case let p as String in FileManager.default.enumerator(atPath: dir)! {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDirectory)
      if !isDirectory.boolValue { out[p] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + p)) }
    }
    return out
  }

  /// Each link of `links` on the page at `page` (a path relative to the viewer) as the path of
  /// the viewer file it resolves to, or nil when it leaves the viewer.
  static func resolve(_ link: String, from page: String) -> String? {
    guard !link.contains(":"), !link.hasPrefix("/"), !link.hasPrefix("#") else { return nil }
    var parts = page.split(separator: "/").dropLast().map(String.init)
    for piece in link.split(separator: "#")[0].split(separator: "/") {
      if piece == ".." {
        guard !parts.isEmpty else { return nil }
        parts.removeLast()
      } else if piece != "." {
        parts.append(String(piece))
      }
    }
    return parts.joined(separator: "/")
  }

  struct Simulated: Decodable {
    var layer: Int
    var neuron: Int
    var kind: String
    var split: String
    var group: String
    var excerpt: Int
    var tokens: [String]
    var true_activations: [Double]
    var expected_activations: [Double]?
  }

  /// The script run once for the suite, in a folder that lives as long as the test process.
  nonisolated(unsafe) static var ran: Result<(dir: String, run: CommandResult), Error>?
  static func runOnce() throws -> (dir: String, run: CommandResult) {
    if ran == nil {
      ran = Result {
        let dir = try TestEnvironment.temporaryDirectory("nxp-view")
        try Self.script.write(toFile: dir + "/v.nxp", atomically: true, encoding: .utf8)
        return (dir, try CommandRunner.nxp(["run", "v.nxp", "--cache", dir + "/cache"], in: dir))
      }
    }
    return try ran!.get()
  }

  @Test func aViewerOfRealScoresLinksEveryPageAndShowsTheSimulations() throws {
    let (dir, run) = try Self.runOnce()
    #expect(run.status == 0, "\(run)")
    #expect(run.stderr.contains("view: 3 neuron pages in viewer; open file://\(dir)/viewer/index.html"), "\(run.stderr)")
    let viewer = dir + "/viewer"
    let written = try Self.files(viewer)
    #expect(
      written.keys.sorted() == [".nxp-viewer", "index.html", "lucky.html"] + Self.pages + ["nxp.css", "nxp.js"])

    // Every link and script source in every page names a file the viewer holds.
    let htmlPages = written.keys.filter { $0.hasSuffix(".html") }.sorted()
    let read = try HTMLInventory.read(htmlPages.map { viewer + "/" + $0 })
    for page in htmlPages {
      for link in read[viewer + "/" + page]!.links {
        let target = Self.resolve(link, from: page)
        #expect(target.map { written[$0] != nil } == true, "\(page): \(link) does not resolve to a written file")
      }
    }

    // The scores shown are the ones score computed; the heatmaps hold every simulated token.
    let scores = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/scores.json"))) as! [[String: Any]]
    #expect(scores.count == 2)
    let simulated = try String(contentsOfFile: dir + "/sims.jsonl", encoding: .utf8).split(separator: "\n").map {
      try JSONDecoder().decode(Simulated.self, from: Data($0.utf8))
    }
    for row in scores {
      let neuron = row["neuron"] as! Int
      let page = String(decoding: written["neurons/6/\(neuron).html"]!, as: UTF8.self)
      let inv = read[viewer + "/neurons/6/\(neuron).html"]!
      let explanation = row["explanation"] as! String
      #expect(inv.text.contains(explanation), "the explanation of 6:\(neuron) is on its page")
      for key in ["score", "top", "random", "baseline", "shuffled"] {
        let shown = (row[key] as? Double).map { Self.fixed($0, 3) } ?? "–"
        #expect(page.contains("<dt>\(key)</dt><dd>\(shown)</dd>"), "6:\(neuron) \(key) \(shown)")
      }
      #expect(page.contains("<dt>failures</dt><dd>\(row["failures"] as! Int) of 4</dd>"))
      // Real above, simulated below: one cell per token of the valid excerpts, top ones first,
      // each with the true and simulated values of the saved simulations.
      let own = simulated.filter { $0.neuron == neuron && $0.kind == "explanation" && $0.split == "valid" }
      let ordered = own.filter { $0.group == "top" } + own.filter { $0.group == "random" }
      #expect(ordered.count == 4)
      let expected = ordered.flatMap { s in
        zip(s.true_activations, s.expected_activations ?? []).map { "real \(Self.fixed($0, 3)) · simulated \(Self.fixed($1, 2))" }
      }
      let cells = inv.tags.filter { $0.name == "span" && ($0.attributes["class"] ?? "").split(separator: " ").contains("p") }
      #expect(cells.count == 48)
      #expect(cells.map { $0.attributes["title"] ?? "" } == expected)
    }
    let unexplained = read[viewer + "/neurons/6/35.html"]!
    #expect(unexplained.text.contains("Not explained."))
    #expect(unexplained.text.contains("Top excerpts 8"))

    // Written again from the cache: the same bytes, nothing recomputed.
    let again = try CommandRunner.nxp(["run", "v.nxp", "--cache", dir + "/cache", "--summary"], in: dir)
    #expect(again.status == 0, "\(again)")
    #expect(again.stderr.contains("[0 computed,"), "\(again.stderr)")
    #expect(try Self.files(viewer) == written)

  }

  @Test(
    .enabled(
      if: Browser.enabled,
      "chromium is not installed, so the viewer's pages were not opened in a browser: scripts/setup.sh --test installs it (NXP_REQUIRE_BROWSER=1 makes this a failure)"
    ))
  func theViewerWorksInHeadlessChromium() throws {
    let (dir, run) = try Self.runOnce()
    #expect(run.status == 0, "\(run)")
    let viewer = dir + "/viewer"
    let written = try Self.files(viewer)
    let dumps = try TestEnvironment.temporaryDirectory("nxp-view-dom")
    defer { try? FileManager.default.removeItem(atPath: dumps) }
    func dom(_ page: String) throws -> (String, HTMLInventory) {
      let html = try Browser.dumpDOM(viewer + "/" + page)
      let file = dumps + "/" + page.replacingOccurrences(of: "/", with: "_")
      try html.write(toFile: file, atomically: true, encoding: .utf8)
      return (html, try HTMLInventory.read([file])[file]!)
    }

    // The index after its script ran: one row per neuron, sorted, each linking to a page.
    let (_, index) = try dom("index.html")
    let rowLinks = index.tags.filter { $0.name == "a" }.compactMap { $0.attributes["href"] }.filter { $0.hasPrefix("neurons/") }
    #expect(rowLinks == ["neurons/6/35.html", "neurons/6/212.html", "neurons/6/367.html"])
    #expect(index.tags.contains { $0.name == "th" && $0.attributes["aria-sort"] == "ascending" }, "the script sorted the table")
    #expect(index.text.contains("3 of 3 neurons"))

    for page in Self.pages {
      let (_, inv) = try dom(page)
      for link in inv.links {
        let target = Self.resolve(link, from: page)
        #expect(target.map { written[$0] != nil } == true, "\(page) in the browser: \(link)")
      }
      // Activation tokens carry their value as a tooltip: 8 top and 6 random excerpts of 12 tokens.
      let tokens = inv.tags.filter { $0.name == "span" && Double($0.attributes["title"] ?? "") != nil }
      #expect(tokens.count == 14 * 12, "\(page): \(tokens.count) shaded tokens")
      let cells = inv.tags.filter { $0.name == "span" && ($0.attributes["class"] ?? "").split(separator: " ").contains("p") }
      if page == "neurons/6/35.html" {
        #expect(cells.isEmpty)
      } else {
        #expect(inv.text.contains("the main thing this neuron does is find the tokens"))
        #expect(cells.count == 48)
      }
    }

    // "I'm feeling lucky" lands on a neuron page.
    let (_, lucky) = try dom("lucky.html")
    #expect(
      lucky.tags.contains { $0.name == "body" && $0.attributes["data-page"] == "neuron" },
      "lucky.html did not forward: \(lucky.text.prefix(300))")
    #expect(["6:35", "6:212", "6:367"].contains { lucky.text.contains("Neuron \($0) layer 6") })

    // The filters: a search for one explanation and a lowest score leave only the rows that match.
    let scores =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: viewer + "/../scores.json"))) as! [[String: Any]]
    let target = scores.first { ($0["neuron"] as! Int) == 212 }!
    let search = (target["explanation"] as! String).lowercased()
    let lowest = scores.compactMap { $0["score"] as? Double }.max().map { $0 - 1e-6 } ?? 0
    let highest = scores.filter { ($0["score"] as? Double ?? -2) >= lowest }.map { "neurons/6/\($0["neuron"] as! Int).html" }
    let harness = String(decoding: written["index.html"]!, as: UTF8.self).replacingOccurrences(
      of: "</body>",
      with: """
        <script>addEventListener('load', function () {
          var s = document.getElementById('f-search'); s.value = \(String(decoding: try JSONSerialization.data(withJSONObject: search, options: .fragmentsAllowed), as: UTF8.self)); s.dispatchEvent(new Event('input'));
          var found = Array.prototype.map.call(document.querySelectorAll('#rows a'), function (a) { return a.getAttribute('href'); }).join(' ');
          s.value = ''; var m = document.getElementById('f-min'); m.value = '\(lowest)'; m.dispatchEvent(new Event('input'));
          var scored = Array.prototype.map.call(document.querySelectorAll('#rows a'), function (a) { return a.getAttribute('href'); }).join(' ');
          document.body.setAttribute('data-found', found); document.body.setAttribute('data-scored', scored);
        });</script></body>
        """)
    try harness.write(toFile: viewer + "/filters.html", atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: viewer + "/filters.html") }
    let filtered = try HTMLInventory.read([
      try { () throws -> String in
        let file = dumps + "/filters.html"
        try Browser.dumpDOM(viewer + "/filters.html").write(toFile: file, atomically: true, encoding: .utf8)
        return file
      }()
    ]).values.first!
    let body = filtered.tags.first { $0.name == "body" }!.attributes
    #expect(body["data-found"] == "neurons/6/212.html", "search for \(search): \(body["data-found"] ?? "")")
    #expect(body["data-scored"] == highest.joined(separator: " "), "score at least \(lowest): \(body["data-scored"] ?? "")")

    // Keys move between neurons: a copy of a page that presses → once loaded lands on the next.
    let copy = dumps + "/keys"
    try FileManager.default.copyItem(atPath: viewer, toPath: copy)
    let page = String(decoding: written["neurons/6/35.html"]!, as: UTF8.self).replacingOccurrences(
      of: "</body>",
      with:
        "<script>addEventListener('load', function () { document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'})); });</script></body>"
    )
    try page.write(toFile: copy + "/neurons/6/keys.html", atomically: true, encoding: .utf8)
    let moved = try Browser.dumpDOM(copy + "/neurons/6/keys.html")
    #expect(moved.contains("<h1>Neuron 6:212 <small>"), "→ on 6:35 did not go to 6:212")

    // Screenshots: the index and a neuron page, as a 1280 x 1600 window shows them.
    for (page, name) in [("index.html", "index"), ("neurons/6/212.html", "neuron")] {
      let png = dumps + "/\(name).png"
      try Browser.screenshot(viewer + "/" + page, to: png)
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
      #expect(bytes.count > 20_000, "\(name).png is \(bytes.count) bytes")
      #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
      #expect(width == 1280 && height == 1600, "\(name).png is \(width) x \(height)")
    }
  }
}
