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

    let second = try CommandRunner.nxp(["run", "s.nxp", "--cache", dir + "/cache", "--summary"], in: dir)
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("[0 computed,"), "\(second.stderr)")
  }
}
