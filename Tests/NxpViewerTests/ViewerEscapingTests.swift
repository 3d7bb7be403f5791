import Foundation
import NxpInterp
import NxpTestSupport
import NxpViewer
import Testing

/// Tokens and explanations are data: whatever they hold, the pages show them as text. The written
/// files are read back by Python's HTML parser, which tokenizes as a browser does.
@Suite struct ViewerEscapingTests {
  static let hostile = [
    "<script>alert(1)</script>", "\"", "&", "</textarea>", "javascript:alert(2)", "<!--", "</script>", "' onmouseover='x",
    "<img src=x onerror=alert(3)>", "&amp;", "\u{2028}", "a\nb",
  ]
  static let explanation = "tokens like </script><script>alert(4)</script> and \"quotes\" & <!-- comments -->"

  static func site() -> ViewerSite {
    let stats = NeuronStats(
      mean: 0.1, variance: 0.2, skewness: 1, kurtosis: 3, maxActivation: 2, quantileLevels: [0, 0.5, 1], quantileBoundaries: [0, 1, 2])
    let tokens = hostile
    let acts = tokens.indices.map { Float($0) / 5 - 0.4 }
    let record = ActivationRecord(tokens: tokens, activations: acts, excerpt: 7)
    let simulation = ViewerSimulation(
      split: "valid", group: "top", excerpt: 7, tokens: tokens, real: acts, simulated: tokens.indices.map { Double($0) / 3 })
    let failed = ViewerSimulation(
      split: "valid", group: "random", excerpt: 8, tokens: tokens, real: acts, simulated: nil, failure: "reply <b>was</b> \"odd\"")
    let scores = ViewerScores(
      score: 0.5, top: 0.25, random: nil, test: nil, rSquared: 0.1, absoluteDeviationExplained: 0.05, baseline: 0.2, shuffled: -0.01,
      excerpts: 1, failures: 1, best: true)
    var explained = ViewerNeuron(
      id: NeuronID(layer: 1, index: 2), stats: stats, top: [ViewerExcerpt(record: record, split: "train")],
      quantiles: [[], [ViewerExcerpt(record: record)]],
      random: [ViewerExcerpt(record: record, split: "valid")],
      explanations: [
        ViewerExplanation(sample: 0, text: explanation, source: "person <me>", scores: scores, simulations: [simulation, failed])
      ],
      explained: true, scored: true, simulated: true)
    // Related tokens are the hostile tokens too; each neuron's card of the other shows its explanation.
    let hostileTokens = ViewerSigned(
      positive: tokens.map { ViewerToken(token: $0, value: 0.5, up: 0.25) }, negative: tokens.map { ViewerToken(token: $0, value: -0.5) })
    func related(_ link: NeuronID, upstream: Bool) -> ViewerRelated {
      let links = ViewerSigned(positive: [ViewerLink(id: link, weight: 0.125, up: nil)], negative: [])
      return ViewerRelated(
        upstream: upstream ? links : nil, downstream: upstream ? nil : links, inputTokens: hostileTokens, outputTokens: hostileTokens,
        activationTokens: tokens.map { ViewerToken(token: $0, value: 1) })
    }
    explained.related = related(NeuronID(layer: 3, index: 0), upstream: false)
    explained.relatedGiven = true
    let plain = ViewerNeuron(
      id: NeuronID(layer: 3, index: 0), stats: stats, top: [ViewerExcerpt(record: record)], quantiles: nil, random: [], explained: true,
      scored: true, simulated: true, related: related(NeuronID(layer: 1, index: 2), upstream: true), relatedGiven: true)
    return ViewerSite(model: "model </title><script>alert(5)</script>", neurons: [explained, plain], scoredBy: "by <i>x</i>")
  }

  @Test func tokensAndExplanationsAreShownAsTextNeverAsMarkup() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-viewer")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let site = Self.site()
    let index = try site.write(to: dir + "/viewer")
    #expect(index == dir + "/viewer/index.html")
    let pages = site.files().map(\.path).filter { $0.hasSuffix(".html") }
    #expect(pages == ["index.html", "lucky.html", "neurons/1/2.html", "neurons/3/0.html"])
    let read = try HTMLInventory.read(pages.map { dir + "/viewer/" + $0 })

    for page in pages {
      let inv = read[dir + "/viewer/" + page]!
      // The only scripts are nxp.js and JSON data; none came from the data.
      for s in inv.scripts {
        if let src = s.attrs["src"] {
          #expect(src.hasSuffix("nxp.js") && s.content.isEmpty, "\(page): script \(s.attrs)")
        } else {
          #expect(s.attrs["type"] == "application/json", "\(page): script \(s.attrs) holding \(s.content)")
          #expect(!s.content.lowercased().contains("</script") && !s.content.contains("<!--"), "\(page): \(s.content)")
          _ = try JSONSerialization.jsonObject(with: Data(s.content.utf8))
        }
      }
      #expect(inv.scripts.count == (page == "index.html" || page == "lucky.html" ? 2 : 1), "\(page): \(inv.scripts.count) scripts")
      // No element or attribute from the data: no img, textarea or event handler, no javascript: link.
      for (name, attributes) in inv.tags {
        #expect(!["img", "textarea", "iframe", "object"].contains(name), "\(page): <\(name)> in the page")
        for (k, v) in attributes {
          #expect(!k.hasPrefix("on"), "\(page): <\(name) \(k)=\(v)>")
          if k == "href" || k == "src" { #expect(!v.lowercased().contains("javascript:"), "\(page): \(k)=\(v)") }
        }
      }
      #expect(inv.text.contains("model </title><script>alert(5)</script>"), "\(page): the model's name is text")
    }

    // The neuron page shows every token, and the explanation, as the text it is.
    let neuron = read[dir + "/viewer/neurons/1/2.html"]!
    for t in Self.hostile where t != "\u{2028}" && t != "a\nb" {
      #expect(neuron.text.contains(t), "token \(t.debugDescription) not shown as text")
    }
    #expect(neuron.text.contains("a⏎b"), "a newline inside a token is shown as ⏎")
    // The related neuron's card on the other page holds the explanation as text, inside its link.
    let other = read[dir + "/viewer/neurons/3/0.html"]!
    #expect(other.text.contains(Self.explanation))
    #expect(other.tags.contains { $0.name == "a" && $0.attributes["href"] == "../../neurons/1/2.html" && $0.attributes["class"] == "rel" })
    for t in Self.hostile where t != "\u{2028}" && t != "a\nb" {
      #expect(other.text.contains(t), "related token \(t.debugDescription) not shown as text")
    }
    #expect(neuron.text.contains(Self.explanation))
    #expect(neuron.text.contains("simulation failed: reply <b>was</b> \"odd\""))
    // Hover values are attributes read back exactly.
    let titles = neuron.tags.compactMap { $0.attributes["title"] }
    #expect(titles.contains("person <me>"))
    #expect(titles.contains("real 0.600 · simulated 1.67"))
    // The REPL line reads back as the explanation when pasted: an nxp string literal, shown as text.
    #expect(
      neuron.text.contains(
        #"show score(simulate(explanation(1:2, "tokens like </script><script>alert(4)</script> and \"quotes\" & <!-- comments -->"), top[1:2]))"#
      ))

    // The index's JSON holds the explanation exactly.
    let indexPage = read[dir + "/viewer/index.html"]!
    let data = try #require(indexPage.scripts.first { $0.attrs["id"] == "nxp-index" })
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(data.content.utf8)) as? [[String: Any]])
    #expect(rows.map { $0["explanation"] as? String } == [Self.explanation, nil])
    #expect(rows.map { $0["page"] as? String } == ["neurons/1/2.html", "neurons/3/0.html"])
    #expect(indexPage.text.contains(Self.explanation))
    #expect(indexPage.text.contains("by <i>x</i>"))
  }

  @Test func escapingFunctionsCoverEveryContext() {
    #expect(HTMLText.text("<a href=\"x\">&amp;</a>") == "&lt;a href=\"x\"&gt;&amp;amp;&lt;/a&gt;")
    #expect(HTMLText.attribute("\"'<>&") == "&quot;&#39;&lt;&gt;&amp;")
    #expect(HTMLText.jsonString("</script><!--&\u{2028}\n\u{1}") == #""\u003c/script\u003e\u003c!--\u0026\u2028\n\u0001""#)
    #expect(HTMLText.nxpString("say \"hi\"\\\n\t\u{7}") == #""say \"hi\"\\\n\t\u{7}""#)
  }
}
