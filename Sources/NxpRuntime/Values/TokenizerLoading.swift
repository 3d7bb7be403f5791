import Foundation
import NxpFormats
import NxpModels
import NxpTokenizer

/// A model's tokenizer built from its files alone, without loading (and converting to float32)
/// the weights: `excerpts` and `tokens` need only the tokenizer, and a model's weights are
/// hundreds of MB.
enum TokenizerLoading {
  /// The tokenizer of the model at `location`, or nil when its files have none.
  static func tokenizer(at location: ModelLocation) throws -> BPETokenizer? {
    switch location {
    case .gguf(let path):
      let file = try GGUFFile(path: path)
      guard file.metadata["tokenizer.ggml.tokens"] != nil else { return nil }
      return try BPETokenizer(gguf: file)
    case .huggingFace(let dir):
      let path = dir + "/tokenizer.json"
      guard FileManager.default.fileExists(atPath: path) else { return nil }
      let json = try Data(contentsOf: URL(fileURLWithPath: path))
      let config = try? Data(contentsOf: URL(fileURLWithPath: dir + "/tokenizer_config.json"))
      return try BPETokenizer(tokenizerJSON: json, tokenizerConfig: config)
    }
  }
}

/// A pooled tokenizer, so a session builds it once.
final class PooledTokenizer {
  let tokenizer: BPETokenizer?
  init(_ tokenizer: BPETokenizer?) { self.tokenizer = tokenizer }
}
