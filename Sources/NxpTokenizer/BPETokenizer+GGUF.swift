import Foundation
import NxpFormats

// GGUF keeps the tokenizer under `tokenizer.ggml.*`: the vocabulary, per-token types, merges as
// "left right" strings, special ids, and the pre-tokenizer's name (see `PreTokenizer.gguf`).
// Control and unknown tokens become special added tokens, user-defined tokens plain added
// tokens; both are matched in raw text, as llama.cpp does.

extension BPETokenizer {
  /// GGUF token types (`tokenizer.ggml.token_type`).
  enum GGUFTokenType: Int {
    case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
  }

  /// A tokenizer from a GGUF file's metadata.
  public convenience init(gguf: GGUFFile) throws {
    try self.init(ggufMetadata: gguf.metadata)
  }

  /// A tokenizer from GGUF metadata (the `tokenizer.ggml.*` keys).
  public convenience init(ggufMetadata metadata: [String: GGUFValue]) throws {
    let m = MetadataReader(metadata)
    let model = try m.string("tokenizer.ggml.model")
    guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
    let tokens = try m.strings("tokenizer.ggml.tokens")
    guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
    let types = try m.optionalInts("tokenizer.ggml.token_type")
    if let types, types.count != tokens.count {
      throw TokenizerError.lengthMismatch(key: "tokenizer.ggml.token_type", expected: tokens.count, found: types.count)
    }
    let configuration = try PreTokenizer.gguf(m.string("tokenizer.ggml.pre"))

    var merges: [(String, String)] = []
    let mergeStrings = try m.strings("tokenizer.ggml.merges")
    merges.reserveCapacity(mergeStrings.count)
    for (index, merge) in mergeStrings.enumerated() {
      // Split at the first space after the first byte: a space byte is never inside a multi-byte
      // character, and a token is never empty. Neither side may hold another space.
      let utf8 = Array(merge.utf8)
      guard utf8.count >= 3, let space = utf8[1...].firstIndex(of: 0x20), space + 1 < utf8.count,
        !utf8[(space + 1)...].contains(0x20)
      else { throw TokenizerError.badMerge(index: index, merge: merge) }
      let left = String(decoding: utf8[..<space], as: UTF8.self)
      let right = String(decoding: utf8[(space + 1)...], as: UTF8.self)
      merges.append((left, right))
    }

    var added: [AddedToken] = []
    for (id, type) in (types ?? []).enumerated() {
      switch GGUFTokenType(rawValue: type) {
      case .control, .unknown:
        added.append(AddedToken(id: Int32(id), content: tokens[id], special: true, normalized: false))
      case .userDefined:
        added.append(AddedToken(id: Int32(id), content: tokens[id], special: false, normalized: false))
      default:
        break
      }
    }

    let spec = Specification(
      tokens: tokens,
      present: [Bool](repeating: true, count: tokens.count),
      merges: merges,
      addedTokens: added,
      preTokenizer: configuration.preTokenizer,
      normalizer: configuration.normalizer,
      ignoreMerges: configuration.ignoreMerges,
      unknownID: try m.optionalID("tokenizer.ggml.unknown_token_id", vocabularySize: tokens.count),
      bosID: try m.optionalID("tokenizer.ggml.bos_token_id", vocabularySize: tokens.count),
      eosID: try m.optionalID("tokenizer.ggml.eos_token_id", vocabularySize: tokens.count),
      paddingID: try m.optionalID("tokenizer.ggml.padding_token_id", vocabularySize: tokens.count),
      addsBOS: try m.optionalBool("tokenizer.ggml.add_bos_token") ?? configuration.defaultAddBOS,
      addsEOS: try m.optionalBool("tokenizer.ggml.add_eos_token") ?? false)
    try self.init(spec)
  }
}

// MARK: - Metadata access

/// Typed reads of GGUF metadata that fail with `TokenizerError`s naming the key.
private struct MetadataReader {
  let metadata: [String: GGUFValue]
  init(_ metadata: [String: GGUFValue]) { self.metadata = metadata }

  func string(_ key: String) throws -> String {
    guard let v = metadata[key] else { throw TokenizerError.missingKey(key) }
    guard let s = v.string else { throw TokenizerError.wrongKeyType(key: key, expected: "a string") }
    return s
  }

  func strings(_ key: String) throws -> [String] {
    guard let v = metadata[key] else { throw TokenizerError.missingKey(key) }
    guard let array = v.array else { throw TokenizerError.wrongKeyType(key: key, expected: "an array of strings") }
    return try array.map {
      guard let s = $0.string else { throw TokenizerError.wrongKeyType(key: key, expected: "an array of strings") }
      return s
    }
  }

  func optionalInts(_ key: String) throws -> [Int]? {
    guard let v = metadata[key] else { return nil }
    guard let array = v.array else { throw TokenizerError.wrongKeyType(key: key, expected: "an array of integers") }
    return try array.map {
      guard let i = $0.int else { throw TokenizerError.wrongKeyType(key: key, expected: "an array of integers") }
      return i
    }
  }

  func optionalID(_ key: String, vocabularySize: Int) throws -> Int32? {
    guard let v = metadata[key] else { return nil }
    if case .bool = v { throw TokenizerError.wrongKeyType(key: key, expected: "an integer") }
    guard let i = v.int else { throw TokenizerError.wrongKeyType(key: key, expected: "an integer") }
    guard i >= 0, i < vocabularySize else {
      throw TokenizerError.tokenIDOutOfRange(key: key, id: i, vocabularySize: vocabularySize)
    }
    return Int32(i)
  }

  func optionalBool(_ key: String) throws -> Bool? {
    guard let v = metadata[key] else { return nil }
    if let b = v.bool { return b }
    if let i = v.int { return i != 0 }
    throw TokenizerError.wrongKeyType(key: key, expected: "a boolean")
  }
}
