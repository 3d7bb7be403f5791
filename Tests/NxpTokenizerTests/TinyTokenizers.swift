import Foundation
import NxpFormats

@testable import NxpTokenizer

/// Small hand-made tokenizers whose results can be worked out by hand.
enum Tiny {
  /// Token strings: the single bytes a, b, c, Ġ (space), Ċ (newline), â (byte 0xE2), then merged tokens; Ã© is é.
  static let tokens = ["<s>", "</s>", "a", "b", "c", "Ġ", "Ċ", "â", "ab", "bc", "abc", "aa", "aaaa", "Ġa", "Ġab", "Ã", "©", "Ã©"]
  static let merges = ["a b", "b c", "ab c", "a a", "aa aa", "Ġ a", "Ġa b", "Ã ©"]

  static func id(_ token: String) -> Int32 { Int32(tokens.firstIndex(of: token)!) }

  /// GGUF metadata for the tiny vocabulary; `<s>` and `</s>` are control tokens.
  static func ggufMetadata(pre: String = "gpt2") -> [String: GGUFValue] {
    [
      "tokenizer.ggml.model": .string("gpt2"),
      "tokenizer.ggml.pre": .string(pre),
      "tokenizer.ggml.tokens": .array(tokens.map { .string($0) }),
      "tokenizer.ggml.token_type": .array(tokens.indices.map { .int32($0 < 2 ? 3 : 1) }),
      "tokenizer.ggml.merges": .array(merges.map { .string($0) }),
      "tokenizer.ggml.bos_token_id": .uint32(0),
      "tokenizer.ggml.eos_token_id": .uint32(1),
      "tokenizer.ggml.add_bos_token": .bool(true),
    ]
  }

  static func gguf() throws -> BPETokenizer { try BPETokenizer(ggufMetadata: ggufMetadata()) }

  /// A tokenizer.json for the same vocabulary, with overridable parts.
  static func json(
    model: [String: Any] = [:], preTokenizer: Any? = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
    normalizer: Any? = nil, addedTokens: [[String: Any]]? = nil
  ) -> Data {
    var m: [String: Any] = [
      "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "fuse_unk": false, "byte_fallback": false,
      "vocab": Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) }),
      "merges": merges,
    ]
    for (k, v) in model { m[k] = v }
    let added =
      addedTokens ?? [
        ["id": 0, "content": "<s>", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false],
        ["id": 1, "content": "</s>", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false],
      ]
    let root: [String: Any] = [
      "version": "1.0", "model": m, "added_tokens": added,
      "pre_tokenizer": preTokenizer ?? NSNull(), "normalizer": normalizer ?? NSNull(),
    ]
    return try! JSONSerialization.data(withJSONObject: root)
  }
}
