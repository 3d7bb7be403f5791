import Foundation
import NxpModels
import NxpTensor
import NxpTestSupport

/// Shared fixtures: the default model (loaded once for all tests) and reference comparisons.
enum Fixtures {
  private static let defaultModelResult: Result<TransformerModel, Error> = Result {
    try ModelRegistry.load(try TestEnvironment.defaultModelPath())
  }

  /// SmolLM2-135M-Instruct, shared by every test; tests must not change its settings.
  static func defaultModel() throws -> TransformerModel { try defaultModelResult.get() }

  static func readFloats(_ path: String) throws -> [Float] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
  }

  /// Runs a reference script with a JSON request on stdin.
  static func reference(_ script: String, _ arguments: [String] = [], request: [String: Any]? = nil) throws {
    let input = try request.map { try JSONSerialization.data(withJSONObject: $0) }
    _ = try PythonReference.run(script, arguments, stdin: input)
  }

  /// A tiny llama configuration for shape and consistency tests without files.
  static func tinyLlama(tied: Bool = true) -> ModelConfiguration {
    ModelConfiguration(
      architecture: .llama, vocabularySize: 50, hiddenSize: 32, intermediateSize: 40, layerCount: 3, headCount: 4,
      kvHeadCount: 2, contextLength: 64, normEpsilon: 1e-5, ropeTheta: 10000, ropeStyle: .halfSplit, tiedEmbeddings: tied)
  }

  static func tinyGPT2() -> ModelConfiguration {
    ModelConfiguration(
      architecture: .gpt2, vocabularySize: 50, hiddenSize: 32, intermediateSize: 128, layerCount: 2, headCount: 4,
      contextLength: 32, normEpsilon: 1e-5, tiedEmbeddings: true)
  }
}

/// How far `actual` is from `expected`: the largest absolute difference, and that divided by the
/// largest magnitude in `expected` (a scale-free figure for tolerances).
struct Deviation: CustomStringConvertible {
  var maxAbs: Double
  var scale: Double
  var relative: Double { scale > 0 ? maxAbs / scale : maxAbs }

  init(_ actual: [Float], _ expected: [Float]) {
    precondition(actual.count == expected.count, "compared arrays differ in length: \(actual.count) vs \(expected.count)")
    var m = 0.0, s = 0.0
    for (a, e) in zip(actual, expected) {
      m = max(m, abs(Double(a) - Double(e)))
      s = max(s, abs(Double(e)))
    }
    maxAbs = m
    scale = s
  }

  var description: String { String(format: "max abs error %.3g (%.3g of max |value| %.3g)", maxAbs, relative, scale) }
}
