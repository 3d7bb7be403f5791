import Foundation
import NxpTestSupport
import Testing

/// `ablate` through the real binary: a person's explanations simulated by the local engine, then
/// ablated on SmolLM2; a second run computes nothing.
@Suite(.serialized) struct AblatePipelineTests {
  @Test func aPersonsExplanationsAreAblatedAndARerunIsACacheHit() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-ablate")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let script =
      ExplainPipelineTests.records("indices: [212, 367]") + """
        mine = explanation([6:212, 6:367], ["the word Journal in the names of publications", "the end of a text"])
        sims = simulate(mine, chosen, by: "local", baselines: false)
        ablations = ablate(model, sims, chosen)
        save(ablations, to: "ablations.json")
        show ablations |> sort(by: "neuron")
        rel = related(model, chosen, top: 3, tokens: 5)
        save(rel, to: "related.jsonl")
        view(chosen, scores: score(sims), simulations: sims, explanations: mine, related: rel, ablations: ablations, to: "viewer")
        """
    try script.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let first = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache"], in: dir)
    #expect(first.status == 0, "\(first)")
    #expect(first.stdout.contains("ablation score"), "\(first.stdout)")

    let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ablations.json"))) as! [[String: Any]]
    #expect(rows.count == 2)
    #expect(rows.map { $0["neuron"] as? Int } == [212, 367])
    for row in rows {
      #expect(
        Set(row.keys) == ["layer", "neuron", "ablation score", "jsd simulated", "jsd mean", "jsd zero", "positions", "explanation"],
        "\(row.keys)")
      // 2 top + 2 random valid excerpts of 12 tokens.
      #expect(row["positions"] as? Int == 48, "\(row)")
      let jsdMean = try #require(row["jsd mean"] as? Double)
      let jsdZero = try #require(row["jsd zero"] as? Double)
      let jsdSimulated = try #require(row["jsd simulated"] as? Double)
      #expect(jsdMean > 0 && jsdZero > 0 && jsdSimulated >= 0)
      #expect(jsdMean.isFinite && jsdZero.isFinite && jsdSimulated.isFinite)
      let score = try #require(row["ablation score"] as? Double)
      #expect(score.isFinite && abs(score - (1 - jsdSimulated / jsdMean)) < 1e-12, "\(row)")
    }

    // The viewer shows each neuron's ablation and its related neurons and tokens, as computed.
    let related = try String(contentsOfFile: dir + "/related.jsonl", encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    #expect(related.count == 2)
    for (row, rel) in zip(rows, related) {
      let neuron = row["neuron"] as! Int
      #expect(rel["neuron"] as? Int == neuron)
      let page = try String(contentsOfFile: dir + "/viewer/neurons/6/\(neuron).html", encoding: .utf8)
      let score = String(format: "%.3f", row["ablation score"] as! Double)
      #expect(page.contains("<dt>ablation score</dt><dd>\(score == "-0.000" ? "0.000" : score)</dd>"), "6:\(neuron)")
      #expect(page.contains("<dt>positions</dt><dd>48</dd>"))
      // Cards in the order related ranked them: upstream +, -, then downstream +, -; none has a
      // page here (they are in other layers), so each says so.
      let links = rel["related_neurons"] as! [String: [String: Any]]
      var expected: [String] = []
      var weights: [Double] = []
      for direction in ["upstream", "downstream"] {
        for sign in ["positive", "negative"] {
          expected += links[direction]!["top_\(sign)_neurons"] as! [String]
          weights += links[direction]!["top_\(sign)_weights"] as! [Double]
        }
      }
      #expect(expected.count == 12)
      let cards = page.components(separatedBy: "<span class=\"rid\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
      #expect(cards == expected, "6:\(neuron)")
      for w in weights {
        let shown = String(format: "%.4f", abs(w))
        #expect(page.contains("<span class=\"rw\">\(w < 0 ? "−" : "+")\(shown)</span>"), "6:\(neuron) weight \(w)")
      }
      #expect(page.components(separatedBy: "no page in this viewer").count - 1 == 12)
      // 5 input and 5 output tokens each way, and the activation tokens.
      let activation = (rel["activation_tokens"] as! [String: Any])["tokens"] as! [String]
      #expect(page.components(separatedBy: "<span class=\"chip\"").count - 1 == 20 + activation.count)
    }
    let index = try String(contentsOfFile: dir + "/viewer/index.html", encoding: .utf8)
    #expect(index.contains("data-key=\"ablation\""))

    let second = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--summary"], in: dir)
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("[0 computed,"), "\(second.stderr)")
  }
}
