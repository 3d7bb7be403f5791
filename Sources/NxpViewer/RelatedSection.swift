import Foundation
import NxpInterp

/// What a related neuron's card shows of it: its shown explanation and score, when the viewer
/// has a page for it.
struct RelatedCards {
  struct Card {
    var text: String?
    var score: Double?
    var explained: Bool
  }
  private var cards: [NeuronID: Card] = [:]

  init(_ neurons: [ViewerNeuron]) {
    for n in neurons {
      let shown = n.shown
      cards[n.id] = Card(text: shown?.text, score: shown?.scores?.score, explained: n.explained)
    }
  }

  subscript(_ id: NeuronID) -> Card? { cards[id] }
}

extension NeuronPage {
  /// Entries of a ranked list shown before "show more".
  static let relatedShown = 5

  /// Neurons connected to this one by weights, as cards linking to their pages, and the tokens
  /// it reads, writes and fires on.
  func related() -> String {
    var out = "<section id=\"related\"><h2>Related neurons and tokens</h2>\n"
    guard neuron.relatedGiven else {
      return out
        + PageChrome.notComputed(
          "Related neurons and tokens", "Give <code>related:</code> (what <code>related(model, neurons)</code> returned) to view.")
        + "</section>\n"
    }
    guard let r = neuron.related else {
      return out + "<p class=\"nc\">This neuron is not among the neurons <code>related</code> was asked about.</p>\n</section>\n"
    }
    let swiGLU = site.relatedThrough == "gate"
    out +=
      "<p class=\"legend\">By weights: an upstream neuron's output weights, through this layer's pre-MLP norm gain, into this neuron's "
      + (swiGLU ? "gate projection (the up projection's weight along the same path is in each tooltip)" : "input weights")
      + "; downstream the same from this neuron to later layers. Cards of neurons this viewer has pages for show their explanation and score.</p>\n"
    out += "<div class=\"relcols\">"
    out += linkColumn("Upstream", "earlier layers feeding this neuron", r.upstream, none: "The first layer has no earlier layer.")
    out += linkColumn("Downstream", "later layers this neuron feeds", r.downstream, none: "The last layer has no later layer.")
    out += "</div>\n<div class=\"relcols\">"
    out += tokenColumn(
      "Input tokens", "tokens whose embedding most raises (+) and lowers (−) this neuron's input", r.inputTokens, up: swiGLU)
    out += tokenColumn("Output tokens", "tokens this neuron's output most promotes (+) and suppresses (−)", r.outputTokens, up: false)
    out += "</div>\n"
    out += "<h3>Activation tokens <span class=\"note\">the tokens with the highest mean activation over this neuron's records</span></h3>\n"
    if let tokens = r.activationTokens {
      out += tokens.isEmpty ? "<p class=\"nc\">None.</p>\n" : chips(tokens, up: false)
    } else {
      out += PageChrome.notComputed(
        "Activation tokens",
        "Give <code>related</code> a neuron set (what <code>topk</code> or <code>neurons</code> returned) to rank tokens by activation."
      )
    }
    return out + "</section>\n"
  }

  func linkColumn(_ title: String, _ note: String, _ links: ViewerSigned<ViewerLink>?, none: String) -> String {
    var out = "<div><h3>\(title) <span class=\"note\">\(note)</span></h3>\n"
    guard let links else { return out + "<p class=\"nc\">\(none)</p>\n</div>" }
    for (sign, list) in [("positive weight", links.positive), ("negative weight", links.negative)] {
      out += "<h4>\(sign)</h4>\n"
      if list.isEmpty {
        out += "<p class=\"nc\">None.</p>\n"
        continue
      }
      out += "<ul class=\"rels\">" + list.prefix(NeuronPage.relatedShown).map(card).joined() + "</ul>\n"
      if list.count > NeuronPage.relatedShown {
        out += "<details class=\"more\"><summary>Show \(list.count - NeuronPage.relatedShown) more</summary><ul class=\"rels\">"
        out += list.dropFirst(NeuronPage.relatedShown).map(card).joined() + "</ul></details>\n"
      }
    }
    return out + "</div>"
  }

  /// A related neuron: a link to its page with its explanation and score, or a plain card when
  /// the viewer has no page for it.
  func card(_ link: ViewerLink) -> String {
    var tip = "weight \(Numbers.signed(Double(link.weight)))"
    if let up = link.up { tip = "gate \(Numbers.signed(Double(link.weight))) · up \(Numbers.signed(Double(up)))" }
    let head =
      "<span class=\"rid\">\(link.id)</span><span class=\"rw\">\(Numbers.signed(Double(link.weight)))</span>"
    guard let c = cards[link.id] else {
      return "<li><div class=\"rel off\" title=\"\(tip)\">\(head)<span class=\"rtx none\">no page in this viewer</span></div></li>"
    }
    var body = ""
    if let score = c.score { body += "<span class=\"rsc\" title=\"its explanation's score\">\(Numbers.fixed(score))</span>" }
    if let text = c.text {
      body += "<span class=\"rtx\">\(HTMLText.text(text))</span>"
    } else {
      body += "<span class=\"rtx none\">\(c.explained ? "not explained" : "recorded")</span>"
    }
    return "<li><a class=\"rel\" href=\"\(root)\(SiteLayout.page(link.id))\" title=\"\(tip)\">\(head)\(body)</a></li>"
  }

  func tokenColumn(_ title: String, _ note: String, _ tokens: ViewerSigned<ViewerToken>, up: Bool) -> String {
    var out = "<div><h3>\(title)</h3><p class=\"legend\">\(note)</p>\n"
    for (sign, list) in [("+", tokens.positive), ("−", tokens.negative)] {
      out += "<div class=\"chiprow\"><span class=\"sign\">\(sign)</span>"
      out += list.isEmpty ? "<span class=\"none\">none</span></div>\n" : chips(list, up: up, wrapped: false) + "</div>\n"
    }
    return out + "</div>"
  }

  /// Tokens as chips with their value; the tooltip repeats it (and the up weight for SwiGLU).
  func chips(_ tokens: [ViewerToken], up: Bool, wrapped: Bool = true) -> String {
    var out = wrapped ? "<p class=\"chips\">" : "<span class=\"chips\">"
    for t in tokens {
      let (text, mark) = Heatmap.display(t.token)
      var tip = Numbers.fixed(t.value, 4)
      if up, let u = t.up { tip = "gate \(Numbers.fixed(t.value, 4)) · up \(Numbers.fixed(Double(u), 4))" }
      out +=
        "<span class=\"chip\" title=\"\(tip)\"><span class=\"ct\(mark.isEmpty ? "" : " " + mark)\">\(HTMLText.text(text))</span><span class=\"cv\">\(Numbers.fixed(t.value))</span></span>"
    }
    return out + (wrapped ? "</p>\n" : "</span>")
  }

  // MARK: - Ablation

  /// How well the simulation stands in for the neuron when it replaces it in the model.
  func ablation() -> String {
    var out = "<section id=\"ablation\"><h2>Ablation</h2>\n"
    guard neuron.ablated else {
      return out
        + PageChrome.notComputed(
          "Ablation", "Give <code>ablations:</code> (what <code>ablate(model, sims, chosen)</code> returned) to view.")
        + "</section>\n"
    }
    guard let first = neuron.ablations.first else {
      return out
        + "<p class=\"nc\">This neuron was not ablated: it is not among the neurons given to <code>ablate</code>.</p>\n</section>\n"
    }
    out +=
      "<p class=\"legend\">The neuron replaced in the model by its calibrated simulation, by its recorded mean activation (\(Numbers.significant(first.mean))) and by 0, on the valid excerpts: the Jensen-Shannon divergence (nats) of the next-token distribution from the unperturbed model's, averaged over positions. The score is 1 − JSD(simulation) / JSD(mean): 1 when the simulation is a perfect stand-in, 0 when it is no better than the mean.\(site.ablatedBy.map { " Simulated by " + HTMLText.text($0) + "." } ?? "")</p>\n"
    let several = neuron.ablations.count > 1
    for a in neuron.ablations {
      if several {
        out += "<p class=\"meta\">sample \(a.sample)\(a.best ? " · <strong>kept</strong> (best valid score)" : "")</p>\n"
      }
      let cells: [(String, String, String, String)] = [
        ("ablation score", Numbers.fixed(a.score), "1 − JSD(simulation) / JSD(mean)", "main"),
        ("JSD simulation", jsd(a.jsdSimulated), "divergence with the neuron replaced by its calibrated simulation", ""),
        ("JSD mean", jsd(a.jsdMean), "divergence with the neuron held at its mean activation", "base"),
        ("JSD zero", jsd(a.jsdZero), "divergence with the neuron set to 0, for reference", "shuf"),
        ("positions", "\(a.positions)", "token positions averaged over", ""),
        ("failures", "\(a.failures)", "valid excerpts whose simulation failed (left out)", a.failures > 0 ? "bad" : ""),
      ]
      out += PageChrome.figures(cells) + "\n"
      if let why = a.undefined { out += "<p class=\"nc\">Undefined: \(HTMLText.text(why)).</p>\n" }
    }
    return out + "</section>\n"
  }

  func jsd(_ x: Double?) -> String { x.map(Numbers.significant) ?? "–" }
}
