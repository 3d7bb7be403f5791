import Foundation
import NxpCore
import NxpFormats
import NxpModels
import NxpTokenizer

/// A subject model: its name, files and configuration. The weights load on first use (and once
/// per session, through the model pool), so a script whose model outputs are all cached never
/// reads them.
public final class ModelValue: RuntimeObject {
  public let name: String
  public let location: ModelLocation
  public let files: [String]
  public let configuration: ModelConfiguration
  private let pool: ModelPool
  private let poolKey: String

  init(name: String, location: ModelLocation, files: [String], configuration: ModelConfiguration, pool: ModelPool, poolKey: String) {
    self.name = name
    self.location = location
    self.files = files
    self.configuration = configuration
    self.pool = pool
    self.poolKey = poolKey
  }

  /// The loaded model (weights converted once per session).
  public func model() throws -> TransformerModel {
    try pool.model(key: poolKey) {
      let m = try ModelRegistry.load(location)
      m.name = name
      if let threads = pool.threads { m.threads = threads }
      return m
    }
  }

  /// The tokenizer, built from the model's files without loading its weights.
  public func tokenizer() throws -> BPETokenizer {
    guard let t = try tokenizerIfPresent() else {
      throw UserError("model \(name) has no tokenizer (a Hugging Face folder needs tokenizer.json)")
    }
    return t
  }

  /// The tokenizer, or nil when the model's files hold none (a weights-only checkpoint).
  public func tokenizerIfPresent() throws -> BPETokenizer? {
    try pool.model(key: poolKey + "#tokenizer", make: { PooledTokenizer(try TokenizerLoading.tokenizer(at: location)) }).tokenizer
  }

  public static let typeName = "Model"

  public var summary: String {
    let c = configuration
    let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
    return
      "Model \(name): \(c.architecture.rawValue), \(c.layerCount) layers, \(c.hiddenSize) hidden, \(c.intermediateSize) neurons per layer, vocabulary \(c.vocabularySize) (\(formatBytes(bytes)))"
  }

  public func render(_ style: RenderStyle) -> String { summary + "\n" }

  /// Reads only the configuration (GGUF header or config.json), not the weights.
  static func configuration(of location: ModelLocation) throws -> ModelConfiguration {
    switch location {
    case .gguf(let path): return try ModelConfiguration(gguf: try GGUFFile(path: path))
    case .huggingFace(let dir):
      let path = dir + "/config.json"
      guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path)") }
      return try ModelConfiguration(huggingFaceConfig: data, path: path)
    }
  }
}
