import Foundation

/// neuron-explainer's JSON for a `NeuronRecord` (one file per neuron, as in the paper's released
/// GPT-2 XL data): objects carry a `dataclass_name`, ids are `layer_index`/`neuron_index`, records
/// are `{tokens, activations}`. nxp reads these files, so the paper's data can be explained and
/// scored with nxp, and writes its own records in the same form for neuron-explainer's tools.
///
/// What the format does not hold is filled in on reading: excerpt indices are -1, the maximum
/// activation comes from the top records, and the quantile levels are the paper's
/// `[0, 0.5, 0.9, 0.99, 0.999]` when there are five boundaries (none otherwise).
public enum NeuronExplainerFormat {
  public static let paperQuantileLevels = [0, 0.5, 0.9, 0.99, 0.999]

  public struct FormatError: Error, CustomStringConvertible, Equatable {
    public var description: String
  }

  // MARK: - Writing

  /// The JSON object of one neuron's record.
  public static func object(_ r: NeuronRecord) -> [String: Any] {
    func record(_ a: ActivationRecord) -> [String: Any] {
      ["dataclass_name": "ActivationRecord", "tokens": a.tokens, "activations": a.activations.map(number)]
    }
    return [
      "dataclass_name": "NeuronRecord",
      "neuron_id": ["dataclass_name": "NeuronId", "layer_index": r.id.layer, "neuron_index": r.id.index],
      "most_positive_activation_records": r.mostPositiveActivationRecords.map(record),
      "random_sample": r.randomSample.map(record),
      "random_sample_by_quantile": r.randomSampleByQuantile.map { $0.map(record) },
      "quantile_boundaries": r.stats.quantileBoundaries.map(number),
      "mean": number(r.stats.mean),
      "variance": number(r.stats.variance),
      "skewness": number(r.stats.skewness),
      "kurtosis": number(r.stats.kurtosis),
    ]
  }

  /// The record as JSON text (keys sorted, so the same record always gives the same bytes).
  public static func encode(_ r: NeuronRecord) throws -> Data {
    try JSONSerialization.data(withJSONObject: object(r), options: [.sortedKeys, .withoutEscapingSlashes])
  }

  /// JSON has no NaN: an undefined moment (a constant neuron) is written as null.
  private static func number(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
  private static func number(_ x: Float) -> Any { x.isFinite ? Double(x) : NSNull() }

  // MARK: - Reading

  public static func decode(_ data: Data, source: String) throws -> NeuronRecord {
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(with: data)
    } catch {
      throw FormatError(description: "\(source) is not JSON: \(error.localizedDescription)")
    }
    guard let o = json as? [String: Any] else { throw FormatError(description: "\(source) is not a JSON object") }
    if let name = o["dataclass_name"] as? String, name != "NeuronRecord" {
      throw FormatError(description: "\(source) holds a \(name), not a NeuronRecord")
    }
    func fail(_ what: String) -> FormatError { FormatError(description: "\(source): \(what)") }
    guard let id = o["neuron_id"] as? [String: Any], let layer = int(id["layer_index"]), let index = int(id["neuron_index"]) else {
      throw fail("`neuron_id` needs `layer_index` and `neuron_index`")
    }
    func records(_ key: String, _ value: Any?) throws -> [ActivationRecord] {
      guard let value, !(value is NSNull) else { return [] }
      guard let list = value as? [Any] else { throw fail("`\(key)` is not a list") }
      return try list.enumerated().map { i, item in
        guard let r = item as? [String: Any], let tokens = r["tokens"] as? [String], let acts = r["activations"] as? [Any] else {
          throw fail("`\(key)[\(i)]` needs `tokens` and `activations`")
        }
        let values = try acts.map { a -> Float in
          guard let d = double(a) else { throw fail("`\(key)[\(i)].activations` holds a non-number") }
          return Float(d)
        }
        guard values.count == tokens.count else { throw fail("`\(key)[\(i)]` has \(tokens.count) tokens but \(values.count) activations") }
        return ActivationRecord(tokens: tokens, activations: values, excerpt: -1)
      }
    }
    let top = try records("most_positive_activation_records", o["most_positive_activation_records"])
    let random = try records("random_sample", o["random_sample"])
    var byQuantile: [[ActivationRecord]] = []
    if let q = o["random_sample_by_quantile"], !(q is NSNull) {
      guard let buckets = q as? [Any] else { throw fail("`random_sample_by_quantile` is not a list of lists") }
      byQuantile = try buckets.enumerated().map { try records("random_sample_by_quantile[\($0)]", $1) }
    }
    let boundaries = ((o["quantile_boundaries"] as? [Any]) ?? []).map { Float(double($0) ?? .nan) }
    let stats = NeuronStats(
      mean: double(o["mean"]) ?? .nan, variance: double(o["variance"]) ?? .nan, skewness: double(o["skewness"]) ?? .nan,
      kurtosis: double(o["kurtosis"]) ?? .nan, maxActivation: top.map(\.maxActivation).max() ?? .nan,
      quantileLevels: boundaries.count == paperQuantileLevels.count ? paperQuantileLevels : [], quantileBoundaries: boundaries)
    return NeuronRecord(
      id: NeuronID(layer: layer, index: index), mostPositiveActivationRecords: top, randomSample: random,
      randomSampleByQuantile: byQuantile, stats: stats)
  }

  private static func int(_ v: Any?) -> Int? {
    guard let n = v as? NSNumber, CFGetTypeID(n) != CFBooleanGetTypeID() else { return nil }
    let d = n.doubleValue
    return d == d.rounded() && abs(d) < 1e15 ? Int(d) : nil
  }

  private static func double(_ v: Any?) -> Double? {
    guard let n = v as? NSNumber, CFGetTypeID(n) != CFBooleanGetTypeID() else { return nil }
    // Foundation on Linux reads some numbers as NSDecimalNumber, whose doubleValue can be an ulp
    // off; its decimal text converts exactly.
    if n is NSDecimalNumber, let d = Double(n.stringValue) { return d }
    return n.doubleValue
  }
}

#if canImport(Glibc)
  import CoreFoundation
#endif
