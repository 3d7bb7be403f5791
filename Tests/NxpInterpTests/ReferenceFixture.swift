import Foundation
import NxpInterp
import NxpTestSupport

/// One recording of synthetic activations and the brute-force answers of
/// `Tests/Reference/records_reference.py` for it, shared by the reference tests.
struct ReferenceFixture {
  let configuration: RecordConfiguration
  let data: SyntheticActivations
  let records: NeuronRecords
  /// The script's JSON, one entry per layer.
  let reference: [[String: Any]]

  /// Stationary data: every excerpt drawn from the same distribution.
  static let shared: Result<ReferenceFixture, Error> = Result { try ReferenceFixture(drift: 0) }
  /// Data whose level rises over the excerpts, so early estimates of the quantiles are wrong.
  static let drifting: Result<ReferenceFixture, Error> = Result {
    try ReferenceFixture(drift: 3, layers: [0], neurons: 24, tokens: 8, seed: 99)
  }

  init(drift: Double, layers: [Int] = [3, 7], neurons: Int = 36, tokens: Int = 16, seed: UInt64 = 7) throws {
    let c = RecordConfiguration(
      layers: layers, neuronsPerLayer: neurons, tokensPerExcerpt: tokens, excerptCount: 1500, top: 20, random: 20,
      perQuantile: 4, seed: 0xC0FFEE)
    configuration = c
    data = SyntheticActivations(
      layers: c.layers, excerpts: c.excerptCount, tokens: tokens, neurons: neurons, seed: seed, drift: drift)
    let acc = try RecordAccumulator(c)
    // Uneven batches, so no result can depend on batch boundaries lining up.
    var start = 0
    while start < c.excerptCount {
      let end = min(c.excerptCount, start + 7)
      try acc.consume(data.batch(start..<end), excerptIDs: Array(start..<end))
      start = end
    }
    records = acc.finish()

    let dir = try TestEnvironment.temporaryDirectory("nxp-records")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try data.writeRaw(to: dir + "/acts.f32")
    let config: [String: Any] = [
      "layers": c.layers, "neurons": c.neuronsPerLayer, "tokens": c.tokensPerExcerpt, "excerpts": c.excerptCount,
      "top": c.top, "random": c.random, "per_quantile": c.perQuantile, "levels": c.quantileLevels, "seed": c.seed,
    ]
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
    var bounds = Data()
    for l in records.layers { l.quantileBoundaries.withUnsafeBytes { bounds.append(contentsOf: $0) } }
    try bounds.write(to: URL(fileURLWithPath: dir + "/bounds.f32"))
    let out = try PythonReference.run(
      "records_reference.py", [dir + "/acts.f32", dir + "/config.json", dir + "/bounds.f32"])
    let json = try JSONSerialization.jsonObject(with: out) as! [String: Any]
    reference = json["layers"] as! [[String: Any]]
  }

  func doubles(_ li: Int, _ key: String) -> [Double] {
    (reference[li][key] as! [Any]).map { ($0 as! NSNumber).doubleValue }
  }

  func floats(_ li: Int, _ key: String) -> [Float] { doubles(li, key).map { Float($0) } }

  func ints(_ li: Int, _ key: String) -> [[Int]] {
    (reference[li][key] as! [[Any]]).map { $0.map { ($0 as! NSNumber).intValue } }
  }
}
