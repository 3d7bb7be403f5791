import Foundation
import NxpInterp
import NxpTestSupport
import NxpViewer
import Testing

/// The viewer's files: deterministic, linked to one another, with a "not computed" section for
/// every input not given, and written without ever touching a folder nxp did not write.
@Suite struct ViewerSiteTests {
  static func neuron(_ layer: Int, _ index: Int, explained: Bool = false) -> ViewerNeuron {
    let stats = NeuronStats(
      mean: 0, variance: 1, skewness: .nan, kurtosis: 0, maxActivation: 3, quantileLevels: [0, 0.5, 1], quantileBoundaries: [0, 1, 3])
    let r = ActivationRecord(tokens: ["The", " cat", "\n", "  ", "<|endoftext|>"], activations: [0, 3, -1, 1.5, 0.2], excerpt: index)
    return ViewerNeuron(
      id: NeuronID(layer: layer, index: index), stats: stats, top: [ViewerExcerpt(record: r)], quantiles: nil, random: [],
      explanations: explained ? [ViewerExplanation(sample: 0, text: "cats", source: "baseline")] : [], explained: explained)
  }

  static let ids = [(6, 20), (2, 5), (6, 3), (2, 9), (9, 4)]
  static func site(order: [(Int, Int)] = ids) -> ViewerSite {
    ViewerSite(model: "m", neurons: order.map { neuron($0.0, $0.1, explained: $0.0 == 6) })
  }

  static func text(_ files: [(path: String, contents: Data)], _ path: String) -> String {
    String(decoding: files.first { $0.path == path }!.contents, as: UTF8.self)
  }

  @Test func theSameNeuronsGiveTheSameBytesInAnyOrder() {
    let a = Self.site().files()
    let b = Self.site(order: Self.ids.reversed()).files()
    #expect(a.map(\.path) == b.map(\.path))
    #expect(a.map(\.contents) == b.map(\.contents))
    #expect(
      a.map(\.path) == [
        ".nxp-viewer", "index.html", "lucky.html", "neurons/2/5.html", "neurons/2/9.html", "neurons/6/20.html", "neurons/6/3.html",
        "neurons/9/4.html", "nxp.css", "nxp.js",
      ])
  }

  @Test func pagesLinkToTheirNeighboursInLayerAndIndexOrder() throws {
    let files = Self.site().files()
    func nav(_ page: String) -> [String: String] {
      let html = Self.text(files, page)
      var out: [String: String] = [:]
      for key in ["prev-neuron", "next-neuron", "prev-layer", "next-layer"] {
        if let r = html.range(of: "<a id=\"\(key)\" href=\"../../") {
          out[key] = String(html[r.upperBound...].prefix { $0 != "\"" })
        }
      }
      return out
    }
    // Order: 2:5, 2:9, 6:3, 6:20, 9:4. The layer links go to the nearest unit of the next layer.
    #expect(nav("neurons/2/5.html") == ["next-neuron": "neurons/2/9.html", "next-layer": "neurons/6/3.html"])
    #expect(
      nav("neurons/6/20.html") == [
        "prev-neuron": "neurons/6/3.html", "next-neuron": "neurons/9/4.html", "prev-layer": "neurons/2/9.html",
        "next-layer": "neurons/9/4.html",
      ])
    #expect(nav("neurons/9/4.html") == ["prev-neuron": "neurons/6/20.html", "prev-layer": "neurons/6/3.html"])
    // The ends say so instead of linking.
    #expect(Self.text(files, "neurons/2/5.html").contains("<span class=\"off\" id=\"prev-neuron\">"))
  }

  @Test func sectionsWithoutTheirInputSayNotComputed() {
    let files = Self.site().files()
    let unexplained = Self.text(files, "neurons/2/5.html")
    for section in ["Explanation", "Quantile samples", "Related neurons and tokens", "Ablation"] {
      #expect(unexplained.contains("<strong>\(section): not computed.</strong>"), "\(section)")
    }
    let explained = Self.text(files, "neurons/6/3.html")
    #expect(explained.contains("<strong>Scores: not computed.</strong>"))
    #expect(explained.contains("<strong>Simulations: not computed.</strong>"))
    #expect(!explained.contains("Explanation: not computed"))
    #expect(Self.text(files, "index.html").contains("<strong>Scores: not computed.</strong>"))
    // Whitespace and special tokens are visible and marked; a negative activation shades as 0.
    #expect(explained.contains("<span class=\"ws\" title=\"-1.000\">⏎</span>"))
    #expect(explained.contains("<span class=\"h10 ws\" title=\"1.500\">··</span>"))
    #expect(explained.contains("<span class=\"h20\" title=\"3.000\"> cat</span>"))
    #expect(explained.contains("<span class=\"h1 sp\" title=\"0.200\">&lt;|endoftext|&gt;</span>"))
    // An undefined statistic is said to be, never shown as 0.
    #expect(explained.contains("<dt>skewness</dt><dd>undefined</dd>"))
  }

  @Test func writingReplacesAViewerAndRefusesOtherFolders() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-viewer")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fm = FileManager.default
    try Self.site().write(to: dir + "/v")
    #expect(fm.fileExists(atPath: dir + "/v/neurons/9/4.html"))
    // Written again with fewer neurons: no page is left over from before.
    try Self.site(order: [(2, 5)]).write(to: dir + "/v")
    #expect(!fm.fileExists(atPath: dir + "/v/neurons/9/4.html"))
    #expect(fm.fileExists(atPath: dir + "/v/neurons/2/5.html"))
    #expect(try fm.contentsOfDirectory(atPath: dir).sorted() == ["v"], "no staging folder is left behind")
    // A folder with someone else's files is left alone.
    try fm.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
    try "notes".write(toFile: dir + "/mine/notes.txt", atomically: true, encoding: .utf8)
    #expect(throws: (any Error).self) { try Self.site().write(to: dir + "/mine") }
    #expect(try fm.contentsOfDirectory(atPath: dir + "/mine") == ["notes.txt"])
    #expect(throws: (any Error).self) { try Self.site().write(to: dir + "/mine/notes.txt") }
  }

  @Test func relatedNeuronsAreCardsLinkingToTheirPagesAndAblationsAreShown() throws {
    var site = Self.site()
    let link = { (l: Int, i: Int, w: Float) in ViewerLink(id: NeuronID(layer: l, index: i), weight: w, up: w / 2) }
    let tokens = ViewerSigned(
      positive: [ViewerToken(token: " cat", value: 0.75, up: 0.5)], negative: [ViewerToken(token: "  ", value: -0.25)])
    site.relatedThrough = "gate"
    site.ablatedBy = "local:m, all-at-once"
    for i in site.neurons.indices {
      site.neurons[i].relatedGiven = true
      site.neurons[i].ablated = true
    }
    let target = try #require(site.neurons.firstIndex { $0.id == NeuronID(layer: 9, index: 4) })
    site.neurons[target].related = ViewerRelated(
      upstream: ViewerSigned(
        positive: [link(6, 20, 0.5), link(2, 5, 0.25), link(1, 1, 0.125)] + (0..<4).map { link(0, $0, 0.01) },
        negative: [link(6, 3, -0.5)]),
      downstream: nil, inputTokens: tokens, outputTokens: ViewerSigned(positive: [], negative: []), activationTokens: nil)
    site.neurons[target].ablations = [
      ViewerAblation(
        sample: 0, score: 0.375, jsdSimulated: 1.25e-4, jsdMean: 2e-4, jsdZero: 3e-4, mean: 0.0625, positions: 96, failures: 1, best: true,
        undefined: nil)
    ]
    let other = try #require(site.neurons.firstIndex { $0.id == NeuronID(layer: 2, index: 9) })
    site.neurons[other].ablations = [
      ViewerAblation(
        sample: 0, score: nil, jsdSimulated: nil, jsdMean: 0, jsdZero: 0, mean: 0, positions: 96, failures: 0, best: true,
        undefined: "mean-ablation changes nothing")
    ]
    let files = site.files()
    let page = Self.text(files, "neurons/9/4.html")
    // A neuron with a page: a card linking to it with its explanation; one without: a plain card.
    #expect(
      page.contains(
        "<li><a class=\"rel\" href=\"../../neurons/6/20.html\" title=\"gate +0.5000 · up +0.2500\"><span class=\"rid\">6:20</span><span class=\"rw\">+0.5000</span><span class=\"rtx\">cats</span></a></li>"
      ))
    #expect(page.contains("href=\"../../neurons/2/5.html\"") && page.contains("<span class=\"rtx none\">recorded</span>"))
    #expect(
      page.contains("<span class=\"rid\">1:1</span><span class=\"rw\">+0.1250</span><span class=\"rtx none\">no page in this viewer</span>")
    )
    #expect(page.contains("<span class=\"rw\">−0.5000</span>"))
    // Five cards, then the rest behind "show more"; no downstream in the last layer; tokens as chips.
    #expect(page.contains("<summary>Show 2 more</summary>"))
    #expect(page.contains("The last layer has no later layer."))
    #expect(
      page.contains(
        "<span class=\"chip\" title=\"gate 0.7500 · up 0.5000\"><span class=\"ct\"> cat</span><span class=\"cv\">0.750</span></span>"))
    #expect(page.contains("<span class=\"ct ws\">··</span><span class=\"cv\">-0.250</span>"))
    #expect(page.contains("<strong>Activation tokens: not computed.</strong>"))
    // The ablation section: score, divergences, the mean it held the neuron at, and who simulated.
    #expect(page.contains("<dt>ablation score</dt><dd>0.375</dd>"))
    #expect(page.contains("<dt>JSD simulation</dt><dd>0.000125</dd>"))
    #expect(page.contains("<dt>JSD mean</dt><dd>0.0002</dd>"))
    #expect(page.contains("recorded mean activation (0.0625)"))
    #expect(page.contains("Simulated by local:m, all-at-once."))
    #expect(!page.contains("not computed.</strong> Give <code>ablations:"))
    let undefined = Self.text(files, "neurons/2/9.html")
    #expect(undefined.contains("<div class=\"undef\" title=\"1 − JSD(simulation) / JSD(mean)\"><dt>ablation score</dt><dd>–</dd></div>"))
    #expect(undefined.contains("Undefined: mean-ablation changes nothing."))
    #expect(undefined.contains("not among the neurons <code>related</code> was asked about"))
    #expect(Self.text(files, "neurons/2/5.html").contains("not among the neurons given to <code>ablate</code>"))
    // The index gains an ablation column, in the table and in the data its script sorts.
    let index = Self.text(files, "index.html")
    #expect(index.contains("<th data-key=\"ablation\" class=\"num\"><button type=\"button\">Ablation</button></th>"))
    #expect(index.contains("\"ablation\":0.375,"))
    #expect(!Self.text(Self.site().files(), "index.html").contains("data-key=\"ablation\""))
  }
}
