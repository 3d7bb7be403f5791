import Foundation
import NxpInterp

/// The front page: every recorded neuron in a table that can be filtered by layer and score,
/// sorted by any column and searched by explanation, above a histogram of the scores.
struct IndexPage {
  let site: ViewerSite
  /// Whether ablations were given: the table then has an ablation column.
  let ablated: Bool

  init(site: ViewerSite) {
    self.site = site
    ablated = site.neurons.contains(where: \.ablated)
  }

  /// The row of one neuron: its shown explanation's scores.
  struct Row {
    var neuron: ViewerNeuron
    var explanation: ViewerExplanation?
    var scores: ViewerScores? { explanation?.scores }
  }

  var rows: [Row] { site.neurons.map { Row(neuron: $0, explanation: $0.shown) } }

  func html() -> String {
    let rows = self.rows
    var out = PageChrome.open(title: "Neurons of \(site.model) · nxp", kind: "index", root: "", model: site.model)
    out += "<h1>Neurons of \(HTMLText.text(site.model))</h1>\n"
    out += summary(rows)
    out += histogram(rows)
    out += controls(rows)
    out += table(rows)
    out += data(rows)
    out += PageChrome.close(
      keys:
        "Keys: \(PageChrome.keys(["/"])) search · \(PageChrome.keys(["r"])) random neuron. Click a column's heading to sort by it; on a neuron's page, \(PageChrome.keys(["←"])) \(PageChrome.keys(["→"])) move between neurons and \(PageChrome.keys(["["])) \(PageChrome.keys(["]"])) between layers."
    )
    return out
  }

  func summary(_ rows: [Row]) -> String {
    let layers = Set(rows.map(\.neuron.id.layer)).sorted()
    let explained = rows.filter { $0.explanation?.text != nil }.count
    var parts = [
      "\(rows.count) neuron\(rows.count == 1 ? "" : "s") recorded in \(layers.count == 1 ? "layer \(layers[0])" : "\(layers.count) layers")",
      "\(explained) explained",
    ]
    let scored = rows.compactMap { $0.scores?.score }
    if !scored.isEmpty { parts.append("\(scored.count) with a defined score") }
    var out = "<p class=\"summary\">\(parts.joined(separator: " · "))"
    if let by = site.scoredBy { out += "<br><span class=\"note\">simulated and scored by \(HTMLText.text(by))</span>" }
    return out + "</p>\n"
  }

  static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

  func histogram(_ rows: [Row]) -> String {
    var out = "<section id=\"histogram\"><h2>Scores</h2>\n"
    guard site.neurons.contains(where: \.scored) else {
      return out + PageChrome.notComputed("Scores", "Give <code>scores:</code> (what score returned) to view.") + "</section>\n"
    }
    let scores = rows.compactMap { $0.scores?.score }
    let baseline = IndexPage.mean(rows.compactMap { $0.scores?.baseline })
    let shuffled = IndexPage.mean(rows.compactMap { $0.scores?.shuffled })
    out += "<div class=\"histwrap\"><figure>" + ScoreHistogram.svg(scores: scores, baseline: baseline, shuffled: shuffled)
    out +=
      "<figcaption>Correlation scores of the neurons' explanations; the lines mark the mean score of the token baseline and of shuffled explanations, the scores of chance.</figcaption></figure>\n"
    let compared = rows.compactMap { r -> Bool? in
      guard let s = r.scores?.score, let b = r.scores?.baseline else { return nil }
      return s > b
    }
    let cells: [(String, String, String, String)] = [
      ("mean score", Numbers.fixed(IndexPage.mean(scores)), "mean over the neurons whose score is defined", "main"),
      ("token baseline", Numbers.fixed(baseline), "mean score of the token baseline (the tokens with the highest mean activation)", "base"),
      ("shuffled", Numbers.fixed(shuffled), "mean score of each neuron simulated from another neuron's explanation", "shuf"),
      (
        "above baseline", compared.isEmpty ? "–" : "\(compared.filter { $0 }.count) of \(compared.count)",
        "neurons whose explanation scores above the token baseline, where both are defined", ""
      ),
      ("scored", "\(scores.count) of \(rows.count)", "neurons with a defined score", ""),
    ]
    out += PageChrome.figures(cells, list: "scores side") + "</div>\n"
    return out + "</section>\n"
  }

  func controls(_ rows: [Row]) -> String {
    let layers = Set(rows.map(\.neuron.id.layer)).sorted()
    var out = "<section id=\"neurons\"><h2>All neurons</h2>\n<form class=\"filters\" id=\"filters\">"
    out += "<label>Layer <select id=\"f-layer\"><option value=\"\">all</option>"
    for l in layers { out += "<option value=\"\(l)\">\(l)</option>" }
    out += "</select></label>"
    out += "<label>Score at least <input id=\"f-min\" type=\"number\" step=\"0.05\" min=\"-1\" max=\"1\" placeholder=\"any\"></label>"
    out += "<label>at most <input id=\"f-max\" type=\"number\" step=\"0.05\" min=\"-1\" max=\"1\" placeholder=\"any\"></label>"
    out += "<label class=\"check\"><input id=\"f-explained\" type=\"checkbox\"> explained only</label>"
    out += "<label class=\"grow\">Search <input id=\"f-search\" type=\"search\" placeholder=\"words in explanations\"></label>"
    out += "</form>\n<p class=\"count\" id=\"count\">\(rows.count) of \(rows.count) neurons</p>\n"
    return out
  }

  /// The table's columns; the ablation score's only when ablations were given.
  var columns: [(key: String, title: String, numeric: Bool)] {
    var out: [(key: String, title: String, numeric: Bool)] = [
      ("neuron", "Neuron", true), ("max", "Max act.", true), ("score", "Score", true), ("top", "Top", true), ("random", "Random", true),
      ("baseline", "Baseline", true), ("shuffled", "Shuffled", true),
    ]
    if ablated { out.append(("ablation", "Ablation", true)) }
    return out + [("explanation", "Explanation", false)]
  }

  /// The ablation score of the neuron's kept explanation.
  static func ablationScore(_ n: ViewerNeuron) -> Double? { (n.ablations.first { $0.best } ?? n.ablations.first)?.score }

  func table(_ rows: [Row]) -> String {
    var out = "<table class=\"neurons\" id=\"table\"><thead><tr>"
    for c in columns {
      out += "<th data-key=\"\(c.key)\"\(c.numeric ? " class=\"num\"" : "")><button type=\"button\">\(c.title)</button></th>"
    }
    out += "</tr></thead><tbody id=\"rows\">\n"
    for r in rows {
      let id = r.neuron.id
      out += "<tr><td class=\"num\"><a href=\"\(SiteLayout.page(id))\">\(id)</a></td>"
      out += "<td class=\"num\">\(Numbers.fixed(r.neuron.stats.maxActivation))</td>"
      var numbers = [r.scores?.score, r.scores?.top, r.scores?.random, r.scores?.baseline, r.scores?.shuffled]
      if ablated { numbers.append(IndexPage.ablationScore(r.neuron)) }
      for v in numbers { out += "<td class=\"num\">\(Numbers.fixed(v))</td>" }
      if let text = r.explanation?.text {
        out += "<td class=\"etd\"><div>\(HTMLText.text(text))</div></td>"
      } else {
        out += "<td class=\"etd none\">not explained</td>"
      }
      out += "</tr>\n"
    }
    return out + "</tbody></table>\n</section>\n"
  }

  /// The rows again as JSON for the script that filters and sorts them.
  func data(_ rows: [Row]) -> String {
    var items: [String] = []
    for r in rows {
      let id = r.neuron.id
      let s = r.scores
      items.append(
        "{\"page\":\(HTMLText.jsonString(SiteLayout.page(id))),\"neuron\":\(HTMLText.jsonString(id.description)),\"layer\":\(id.layer),\"index\":\(id.index),"
          + "\"max\":\(Numbers.json(Double(r.neuron.stats.maxActivation))),\"score\":\(Numbers.json(s?.score)),\"top\":\(Numbers.json(s?.top)),"
          + "\"random\":\(Numbers.json(s?.random)),\"baseline\":\(Numbers.json(s?.baseline)),\"shuffled\":\(Numbers.json(s?.shuffled)),"
          + "\"ablation\":\(Numbers.json(IndexPage.ablationScore(r.neuron))),"
          + "\"explanation\":\(r.explanation?.text.map(HTMLText.jsonString) ?? "null")}")
    }
    return "<script type=\"application/json\" id=\"nxp-index\">[\n" + items.joined(separator: ",\n") + "\n]</script>\n"
  }
}

/// `lucky.html`: the list of neuron pages, and the script sends the browser to one at random.
enum LuckyPage {
  static func html(_ site: ViewerSite) -> String {
    var out = PageChrome.open(title: "A random neuron · nxp", kind: "lucky", root: "", model: site.model)
    out += "<h1>I'm feeling lucky</h1>\n<p>Taking you to a random neuron of the \(site.neurons.count)…</p>\n"
    out +=
      "<noscript><p>This page needs JavaScript to pick a neuron; <a href=\"\(SiteLayout.index)\">all neurons</a> are listed on the index.</p></noscript>\n"
    let pages = site.neurons.map { HTMLText.jsonString(SiteLayout.page($0.id)) }
    out += "<script type=\"application/json\" id=\"nxp-pages\">[" + pages.joined(separator: ",") + "]</script>\n"
    return out + PageChrome.close(keys: "")
  }
}
