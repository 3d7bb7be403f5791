import Foundation
import NxpInterp

/// One neuron's page. Each section is its own function, and a section whose input was not given
/// says "not computed", so a new kind of result (related neurons, ablations) is one function and
/// its place in `sections`.
struct NeuronPage {
  let neuron: ViewerNeuron
  let navigation: Navigation
  let site: ViewerSite
  /// What a related neuron's card shows of it, when the site has a page for it.
  let cards: RelatedCards
  let path: String

  init(_ neuron: ViewerNeuron, navigation: Navigation, site: ViewerSite, cards: RelatedCards) {
    self.neuron = neuron
    self.navigation = navigation
    self.site = site
    self.cards = cards
    self.path = SiteLayout.page(neuron.id)
  }

  var root: String { SiteLayout.root(from: path) }

  /// The page's sections, top to bottom.
  var sections: [() -> String] { [statistics, explanations, activations, related, ablation, tryYourOwn] }

  func html() -> String {
    let id = neuron.id
    var out = PageChrome.open(
      title: "Neuron \(id) · \(site.model) · nxp", kind: "neuron", root: root, model: site.model, nav: navigationLinks())
    out += "<h1>Neuron \(id) <small>layer \(id.layer), unit \(id.index)</small></h1>\n"
    for section in sections { out += section() }
    out += PageChrome.close(
      keys:
        "Keys: \(PageChrome.keys(["←", "k"])) previous neuron · \(PageChrome.keys(["→", "j"])) next neuron · \(PageChrome.keys(["["])) previous layer · \(PageChrome.keys(["]"])) next layer · \(PageChrome.keys(["r"])) random neuron · \(PageChrome.keys(["i"])) all neurons"
    )
    return out
  }

  // MARK: - Navigation

  /// A link to a neighbour, or `end` (not a link) when there is none.
  func link(_ id: NeuronID?, key: String, label: (NeuronID) -> String, title: String, end: String) -> String {
    guard let id else { return "<span class=\"off\" id=\"\(key)\">\(end)</span>" }
    return "<a id=\"\(key)\" href=\"\(root)\(SiteLayout.page(id))\" title=\"\(title)\">\(label(id))</a>"
  }

  func navigationLinks() -> String {
    let n = navigation
    return [
      link(n.previousLayer, key: "prev-layer", label: { "↑ layer \($0.layer)" }, title: "previous layer ([)", end: "first layer"),
      link(n.previous, key: "prev-neuron", label: { "‹ \($0)" }, title: "previous neuron (← or k)", end: "‹ first neuron"),
      "<a id=\"index\" href=\"\(root)\(SiteLayout.index)\" title=\"all neurons (i)\">all neurons</a>",
      link(n.next, key: "next-neuron", label: { "\($0) ›" }, title: "next neuron (→ or j)", end: "last neuron ›"),
      link(n.nextLayer, key: "next-layer", label: { "↓ layer \($0.layer)" }, title: "next layer (])", end: "last layer"),
    ].joined()
  }

  // MARK: - Sections

  func statistics() -> String {
    let s = neuron.stats
    var cells: [(String, String, String)] = [
      ("max", Numbers.fixed(s.maxActivation), "the largest activation over every recorded token"),
      ("mean", Numbers.significant(s.mean), "mean activation over every recorded token"),
      ("variance", Numbers.significant(s.variance), "population variance over every recorded token"),
      ("skewness", Numbers.significant(s.skewness), "skewness of the activations"),
      ("kurtosis", Numbers.significant(s.kurtosis), "excess kurtosis of the activations"),
    ]
    if s.quantileBoundaries.count == s.quantileLevels.count {
      for (q, b) in zip(s.quantileLevels, s.quantileBoundaries) where q > 0 && q < 1 {
        cells.append(("q\(trimmed(q))", Numbers.fixed(b), "the \(trimmed(q)) quantile of the per-excerpt maxima"))
      }
    }
    var out = "<section class=\"stats\" id=\"statistics\"><dl>"
    for (k, v, tip) in cells { out += "<div title=\"\(HTMLText.attribute(tip))\"><dt>\(k)</dt><dd>\(v)</dd></div>" }
    return out + "</dl></section>\n"
  }

  func explanations() -> String {
    var out = "<section id=\"explanation\"><h2>Explanation</h2>\n"
    guard neuron.explained else {
      out += PageChrome.notComputed(
        "Explanation", "This neuron was recorded; give <code>explanations:</code> to view to show what explains it.")
      return out + "</section>\n"
    }
    if neuron.explanations.isEmpty {
      out += "<p class=\"nc\"><strong>Not explained.</strong> This neuron was recorded but has no explanation among those given.</p>\n"
    }
    let several = neuron.explanations.count > 1
    for e in neuron.explanations { out += explanationCard(e, several: several) }
    return out + "</section>\n"
  }

  func explanationCard(_ e: ViewerExplanation, several: Bool) -> String {
    var out = "<article class=\"card expl\(e.scores?.best == true ? " best" : "")\">\n"
    if let text = e.text {
      out += "<p class=\"etext\"><span class=\"lead\">the main thing this neuron does is find</span> \(HTMLText.text(text))</p>\n"
    } else if e.source.isEmpty {
      out += "<p class=\"etext none\">No explanation: only the baselines were scored.</p>\n"
    } else {
      out += "<p class=\"etext none\">The explainer's reply held no explanation.</p>\n"
    }
    // The source is unknown when only scores or simulations named the explanation.
    var meta = e.source.isEmpty ? [] : ["by " + HTMLText.text(e.source.split(separator: "#").first.map(String.init) ?? e.source)]
    if several { meta.append("sample \(e.sample)") }
    if several && e.scores?.best == true { meta.append("<strong>kept</strong> (best valid score)") }
    if !meta.isEmpty { out += "<p class=\"meta\" title=\"\(HTMLText.attribute(e.source))\">\(meta.joined(separator: " · "))</p>\n" }
    out += scoreGrid(e)
    out += scoringDetails(e, open: !several || e.scores?.best == true)
    return out + "</article>\n"
  }

  func scoreGrid(_ e: ViewerExplanation) -> String {
    guard neuron.scored else { return PageChrome.notComputed("Scores", "Give <code>scores:</code> (what score returned) to view.") }
    guard let s = e.scores else { return "<p class=\"nc\">This explanation was not scored.</p>\n" }
    let cells: [(String, String, String, String)] = [
      (
        "score", Numbers.fixed(s.score), "correlation of true and simulated activations over the valid split's top and random excerpts",
        "main"
      ),
      ("top", Numbers.fixed(s.top), "correlation over the valid split's top excerpts only", ""),
      ("random", Numbers.fixed(s.random), "correlation over the valid split's random excerpts only", ""),
      ("test", Numbers.fixed(s.test), "correlation over the held-out test split (simulated for best-of-n)", ""),
      ("r2", Numbers.fixed(s.rSquared), "R² on the valid split after the linear calibration fitted on the calibration split", ""),
      ("abs dev", Numbers.fixed(s.absoluteDeviationExplained), "absolute deviation explained on the valid split, after calibration", ""),
      ("baseline", Numbers.fixed(s.baseline), "the token baseline's score on the same excerpts", "base"),
      ("shuffled", Numbers.fixed(s.shuffled), "the score of another neuron's explanation on these excerpts", "shuf"),
      (
        "failures", "\(s.failures) of \(s.excerpts + s.failures)", "excerpts whose simulation failed (left out of every score)",
        s.failures > 0 ? "bad" : ""
      ),
    ]
    return PageChrome.figures(cells, undefined: " (undefined: a constant side, or nothing simulated)") + "\n"
  }

  /// Real and simulated activations of the excerpts the explanation was scored on.
  func scoringDetails(_ e: ViewerExplanation, open: Bool) -> String {
    guard neuron.simulated else {
      return PageChrome.notComputed(
        "Simulations", "Give <code>simulations:</code> (what simulate returned) to view to see them beside the true activations.")
    }
    guard !e.simulations.isEmpty else { return "<p class=\"nc\">No excerpt was simulated from this explanation.</p>\n" }
    let realScale = Heatmap.scale(e.simulations.flatMap { $0.real.map(Double.init) })
    let simulatedScale = Heatmap.scale(e.simulations.flatMap { $0.simulated ?? [] })
    var out =
      "<details class=\"scoring\"\(open ? " open" : "")><summary>Scoring details: true activations above, simulated below</summary>\n"
    out +=
      "<p class=\"legend\"><span class=\"swatch pairdemo\"><span class=\"h14\">token</span><span class=\"sim h8\"></span></span> each token is shaded by its true activation (scaled to \(Numbers.fixed(realScale))) with its simulated value in the bar below (scaled to \(Numbers.fixed(simulatedScale, 2)) on the simulator's scale); hover for both values.</p>\n"
    let splitOrder = ["valid", "test", "calibration"]
    let splits = splitOrder.filter { s in e.simulations.contains { $0.split == s } }
    for split in splits {
      let inSplit = e.simulations.filter { $0.split == split }
      let note =
        switch split {
        case "valid": "the score's excerpts"
        case "test": "held out"
        default: "fits the calibration for r2"
        }
      var block = ""
      for group in ["top", "random"] {
        let xs = inSplit.filter { $0.group == group }
        guard !xs.isEmpty else { continue }
        block += "<h4>\(group == "top" ? "Top" : "Random") <span class=\"n\">\(xs.count)</span></h4>\n"
        for s in xs { block += simulatedExcerpt(s, realScale: realScale, simulatedScale: simulatedScale) }
      }
      if split == "valid" {
        out += "<h3>\(split) split <span class=\"note\">\(note)</span></h3>\n" + block
      } else {
        out += "<details class=\"more\"><summary>\(split) split <span class=\"note\">\(note)</span></summary>\n\(block)</details>\n"
      }
    }
    return out + "</details>\n"
  }

  func simulatedExcerpt(_ s: ViewerSimulation, realScale: Double, simulatedScale: Double) -> String {
    var out = "<div class=\"ex sim-ex\"><div class=\"exm\"><span title=\"largest true activation\">\(Numbers.fixed(s.real.max()))</span>"
    out += "<span class=\"exn\">#\(s.excerpt)</span></div>"
    if let failure = s.failure, s.simulated == nil {
      out += "<div><p class=\"fail\">simulation failed: \(HTMLText.text(failure))</p>"
      out += Heatmap.paired(s, realScale: realScale, simulatedScale: simulatedScale) + "</div>"
    } else {
      out += Heatmap.paired(s, realScale: realScale, simulatedScale: simulatedScale)
    }
    return out + "</div>\n"
  }

  func activations() -> String {
    let all = neuron.top + (neuron.quantiles ?? []).flatMap { $0 } + neuron.random
    let scale = Heatmap.scale(all.map { Double($0.record.maxActivation) })
    var out = "<section id=\"activations\"><h2>Activations</h2>\n"
    out +=
      "<p class=\"legend\"><span class=\"ramp\">\((0...4).map { "<span class=\"h\($0 * 5)\"></span>" }.joined())</span> white to green: 0 to \(Numbers.fixed(scale)), the largest activation shown; negatives count as 0. Hover a token for its activation; <span class=\"tokdemo ws\">·</span> marks spaces, <span class=\"tokdemo\">⏎</span> a new line.</p>\n"
    out += excerptGroup(
      "Top excerpts",
      "highest maximum activation first" + (neuron.top.contains { $0.split != nil } ? "; train ones are what the explainer saw" : ""),
      neuron.top, scale: scale, shown: 5, id: "top")
    if let buckets = neuron.quantiles {
      let levels = neuron.stats.quantileLevels
      let bounds = neuron.stats.quantileBoundaries
      var block = ""
      for b in buckets.indices.reversed() where !buckets[b].isEmpty {
        var title = "Quantile bucket"
        if b + 1 < levels.count {
          title = "Quantile [\(trimmed(levels[b])), \(trimmed(levels[b + 1]))]"
        }
        let note = b + 1 < bounds.count ? "excerpt maxima \(Numbers.fixed(bounds[b])) to \(Numbers.fixed(bounds[b + 1]))" : ""
        block += excerptGroup(title, note, buckets[b], scale: scale, shown: 2, id: "q\(b)", level: "h4")
      }
      out += "<h3>Quantile samples</h3>\n" + (block.isEmpty ? "<p class=\"nc\">No quantile samples were kept.</p>\n" : block)
    } else {
      out += "<h3>Quantile samples</h3>\n"
      out += PageChrome.notComputed(
        "Quantile samples",
        "A neuron set keeps only its splits; view the records themselves (what <code>record</code> returned) to see samples from each quantile bucket."
      )
    }
    out += excerptGroup("Random excerpts", "drawn uniformly from all excerpts", neuron.random, scale: scale, shown: 3, id: "random")
    return out + "</section>\n"
  }

  func excerptGroup(
    _ title: String, _ note: String, _ xs: [ViewerExcerpt], scale: Double, shown: Int, id: String, level: String = "h3"
  )
    -> String
  {
    var out =
      "<\(level) id=\"\(id)\">\(title) <span class=\"n\">\(xs.count)</span>\(note.isEmpty ? "" : " <span class=\"note\">\(note)</span>")</\(level)>\n"
    if xs.isEmpty { return out + "<p class=\"nc\">None.</p>\n" }
    for x in xs.prefix(shown) { out += excerpt(x, scale: scale) }
    if xs.count > shown {
      out += "<details class=\"more\"><summary>Show \(xs.count - shown) more</summary>\n"
      for x in xs.dropFirst(shown) { out += excerpt(x, scale: scale) }
      out += "</details>\n"
    }
    return out
  }

  func excerpt(_ x: ViewerExcerpt, scale: Double) -> String {
    var out =
      "<div class=\"ex\"><div class=\"exm\"><span title=\"largest activation in the excerpt\">\(Numbers.fixed(x.record.maxActivation))</span>"
    if let split = x.split { out += "<span class=\"split s-\(split)\">\(split)</span>" }
    out += "<span class=\"exn\" title=\"excerpt number\">#\(x.record.excerpt)</span></div>"
    return out + Heatmap.tokens(x.record, scale: scale) + "</div>\n"
  }

  /// The line a person pastes into the REPL to score their own explanation of this neuron.
  func tryYourOwn() -> String {
    let id = neuron.id
    let start = neuron.shown?.text ?? "what this neuron responds to"
    let line = "show score(simulate(explanation(\(id), \(HTMLText.nxpString(start))), top[\(id)]))"
    return """
      <section id="try"><h2>Score your own explanation</h2>
      <p>Edit the text and paste the line into the nxp REPL (<code>nxp repl script.nxp</code>), where <code>top</code> is the neuron set given to view (what <code>topk</code> returned):</p>
      <div class="code"><pre><code id="try-line">\(HTMLText.text(line))</code></pre><button type="button" class="copy" data-copy="try-line">Copy</button></div>
      </section>

      """
  }

  func trimmed(_ x: Double) -> String {
    var s = String(format: "%.4f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
  }
}
