import Foundation
import NxpCore
import NxpInterp
import NxpRuntime
import NxpTestSupport
import Testing

/// `view` of whole records (every neuron of a layer, with its quantile samples) and the errors
/// it reports, run in one process on the real model.
@Suite(.serialized) struct ViewTests {
  static let script = """
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 16, limit: 40, seed: 1)
    acts = record(model, texts, layers: [2], top: 8, random: 6, perQuantile: 2)
    chosen = topk(acts, k: 8, random: 6) |> neurons(indices: [5, 9])

    """

  func fixture() throws -> ScriptFixture {
    _ = try TestEnvironment.defaultModelPath()
    return try ScriptFixture(files: ["p.nxp": Self.script])
  }

  @Test func recordsGetAPagePerNeuronWithTheirQuantileSamples() throws {
    let f = try fixture()
    _ = try f.run(Self.script + "show acts |> table |> head(1)\n")
    let started = Date()
    _ = try f.run(Self.script + "view(acts, to: \"out/all\")\n")
    let seconds = Date().timeIntervalSince(started)
    let g = try f.graph(Self.script + "show acts\n")
    guard case .node(let n)? = g.bindings["acts"], case .object(let o) = try f.session.evaluator.value(n), let records = o as? Records
    else {
      Issue.record("acts is not records")
      return
    }
    let pages = try FileManager.default.contentsOfDirectory(atPath: f.dir + "/out/all/neurons/2")
    #expect(pages.count == 1536)
    print("ViewTests: view of 1536 neurons' records (16-token excerpts) written in \(String(format: "%.1f", seconds)) s")

    // A neuron's page holds every excerpt of its record: top, each quantile bucket, random.
    for id in [NeuronID(layer: 2, index: 5), NeuronID(layer: 2, index: 1535)] {
      let r = records.records.record(of: id, tokens: records.excerpts.excerptTokens)
      let html = try String(contentsOfFile: f.dir + "/out/all/neurons/2/\(id.index).html", encoding: .utf8)
      let excerpts = html.components(separatedBy: "<div class=\"ex\">").count - 1
      let kept = r.mostPositiveActivationRecords.count + r.randomSampleByQuantile.map(\.count).reduce(0, +) + r.randomSample.count
      #expect(excerpts == kept, "\(id): \(excerpts) excerpts on the page, \(kept) in the record")
      #expect(html.contains("<h3 id=\"top\">Top excerpts <span class=\"n\">\(r.mostPositiveActivationRecords.count)</span>"))
      let levels = r.stats.quantileLevels
      for (b, bucket) in r.randomSampleByQuantile.enumerated() where !bucket.isEmpty {
        let label =
          "Quantile [\(String(format: "%g", levels[b])), \(String(format: "%g", levels[b + 1]))] <span class=\"n\">\(bucket.count)</span>"
        #expect(html.contains(label), "\(id): no \(label)")
      }
      #expect(!html.contains("Quantile samples: not computed"))
      // The tokens of the top excerpt, shaded in order, each with its activation.
      let first = r.mostPositiveActivationRecords[0]
      let scale = Double(r.mostPositiveActivationRecords.map(\.maxActivation).max()!)
      #expect(scale > 0)
      let peak = first.activations.indices.max { first.activations[$0] < first.activations[$1] }!
      #expect(html.contains("title=\"\(String(format: "%.3f", first.activations[peak]))\""))
    }
  }

  @Test func explanationsOfOtherNeuronsAndForeignFoldersAreRefused() throws {
    let f = try fixture()
    do {
      _ = try f.run(Self.script + "view(chosen, explanations: explanation(2:7, \"commas\"))\n")
      Issue.record("expected a failure")
    } catch let e as RuntimeFailure {
      #expect(e.message == "view: neuron 2:7 has an explanation but is not among the 2 neurons given")
    }
    try FileManager.default.createDirectory(atPath: f.dir + "/notes", withIntermediateDirectories: true)
    try "mine".write(toFile: f.dir + "/notes/a.txt", atomically: true, encoding: .utf8)
    do {
      _ = try f.run(Self.script + "view(chosen, to: \"notes\")\n")
      Issue.record("expected a failure")
    } catch let e as RuntimeFailure {
      #expect(e.message.hasPrefix("view: '\(f.dir)/notes' holds files view did not write"), "\(e.message)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir + "/notes") == ["a.txt"])
    // A neuron set's page says where quantile samples are, and the default folder is `viewer`.
    _ = try f.run(Self.script + "view(chosen)\n")
    let html = try String(contentsOfFile: f.dir + "/viewer/neurons/2/9.html", encoding: .utf8)
    #expect(html.contains("<strong>Quantile samples: not computed.</strong>"))
    #expect(html.contains("<strong>Explanation: not computed.</strong>"))
  }
}
