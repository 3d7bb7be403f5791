import Foundation
import NxpInterp
import NxpTestSupport
import Testing

/// neuron-explainer's NeuronRecord files, written by Python from the documented schema and read by
/// nxp, and the other way round.
@Suite struct NeuronExplainerFormatTests {
  @Test func aFileWrittenFromTheSchemaReads() throws {
    let dir = try TestEnvironment.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try PythonReference.run("neuron_record_reference.py", ["write", dir + "/2932.json"])
    let r = try NeuronExplainerFormat.decode(try Data(contentsOf: URL(fileURLWithPath: dir + "/2932.json")), source: "2932.json")
    #expect(r.id == NeuronID(layer: 21, index: 2932))
    #expect(r.mostPositiveActivationRecords.map(\.tokens) == [[" in", " Canada", ","], [" Toronto", " été"]])
    #expect(r.mostPositiveActivationRecords[1].activations == [7.25, -0.5])
    #expect(r.randomSample.count == 1 && r.randomSampleByQuantile.map(\.count) == [1, 1])
    #expect(r.stats.maxActivation == 9.5)
    #expect(r.stats.quantileLevels == [0, 0.5, 0.9, 0.99, 0.999])
    #expect([r.mean, r.variance, r.skewness, r.kurtosis] == [0.03125, 0.5, 4, 30])
  }

  @Test func nxpsRecordsReadInPython() throws {
    let dir = try TestEnvironment.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let record = NeuronRecord(
      id: NeuronID(layer: 6, index: 2),
      mostPositiveActivationRecords: [ActivationRecord(tokens: [" Journal", " of"], activations: [4.5, 0.25], excerpt: 17)],
      randomSample: [ActivationRecord(tokens: ["a"], activations: [0], excerpt: 3)],
      randomSampleByQuantile: [[], [ActivationRecord(tokens: ["b"], activations: [1], excerpt: 9)]],
      stats: NeuronStats(
        mean: 0.5, variance: .nan, skewness: 1, kurtosis: 2, maxActivation: 4.5, quantileLevels: [0, 0.5, 1],
        quantileBoundaries: [0, 1, 4.5]))
    try NeuronExplainerFormat.encode(record).write(to: URL(fileURLWithPath: dir + "/2.json"))
    let summary = try PythonReference.run("neuron_record_reference.py", ["check", dir + "/2.json"])
    // Integral floats are written as JSON integers (1 for 1.0), which Python reads as equal numbers.
    #expect(
      String(decoding: summary, as: UTF8.self)
        == "{\"boundaries\": [0, 1, 4.5], \"buckets\": [0, 1], \"id\": [6, 2], \"moments\": [0.5, null, 1, 2], \"top_acts\": [[4.5, 0.25]], \"top_tokens\": [[\" Journal\", \" of\"]]}\n"
    )
  }

  @Test func numbersReadBackToTheLastBit() throws {
    // Foundation on Linux parses 0.12345678901234568 as a decimal number an ulp away from it.
    let moments = [0.12345678901234568, 1.0 / 3, 6.666666666666665e-08, -2.718281828459045]
    let record = NeuronRecord(
      id: NeuronID(layer: 0, index: 0),
      mostPositiveActivationRecords: [ActivationRecord(tokens: ["a"], activations: [0.1234567], excerpt: 0)], randomSample: [],
      randomSampleByQuantile: [],
      stats: NeuronStats(
        mean: moments[0], variance: moments[1], skewness: moments[2], kurtosis: moments[3], maxActivation: 0.1234567,
        quantileLevels: [], quantileBoundaries: [0.1234567]))
    let back = try NeuronExplainerFormat.decode(try NeuronExplainerFormat.encode(record), source: "x.json")
    #expect([back.mean, back.variance, back.skewness, back.kurtosis] == moments)
    #expect(back.mostPositiveActivationRecords[0].activations == [0.1234567])
    #expect(back.stats.quantileBoundaries == [0.1234567])
  }

  @Test func malformedFilesNameWhatIsWrong() {
    func error(_ json: String) -> String {
      do {
        _ = try NeuronExplainerFormat.decode(Data(json.utf8), source: "f.json")
        return "no error"
      } catch { return "\(error)" }
    }
    #expect(error("[1]") == "f.json is not a JSON object")
    #expect(error("{\"dataclass_name\": \"NeuronId\"}") == "f.json holds a NeuronId, not a NeuronRecord")
    #expect(error("{\"neuron_id\": {\"layer_index\": 1}}") == "f.json: `neuron_id` needs `layer_index` and `neuron_index`")
    #expect(
      error(
        "{\"neuron_id\": {\"layer_index\": 1, \"neuron_index\": 2}, \"random_sample\": [{\"tokens\": [\"a\", \"b\"], \"activations\": [1]}]}"
      )
        == "f.json: `random_sample[0]` has 2 tokens but 1 activations")
  }
}
