import Foundation
import NxpFormats
import Testing

@testable import NxpTokenizer

/// Bad or unsupported tokenizer descriptions fail with typed errors naming the fault.
@Suite struct ErrorTests {
  private func ggufError(_ edit: (inout [String: GGUFValue]) -> Void) -> TokenizerError? {
    var metadata = Tiny.ggufMetadata()
    edit(&metadata)
    do {
      _ = try BPETokenizer(ggufMetadata: metadata)
      return nil
    } catch {
      return error as? TokenizerError
    }
  }

  private func jsonError(_ data: Data) -> TokenizerError? {
    do {
      _ = try BPETokenizer(tokenizerJSON: data)
      return nil
    } catch {
      return error as? TokenizerError
    }
  }

  // MARK: - GGUF

  @Test func unknownPreTokenizerListsTheSupportedOnes() throws {
    let error = ggufError { $0["tokenizer.ggml.pre"] = .string("mystery") }
    #expect(error == .unsupportedPreTokenizer("mystery"))
    let message = try #require(error).description
    for name in ["gpt2", "smollm", "llama-bpe", "qwen2"] { #expect(message.contains(name)) }
  }

  @Test func nonBPEModelsAreRefused() {
    #expect(ggufError { $0["tokenizer.ggml.model"] = .string("llama") } == .unsupportedModel("llama"))
    #expect(ggufError { $0["tokenizer.ggml.model"] = .string("bert") } == .unsupportedModel("bert"))
  }

  @Test func missingKeysAreNamed() {
    for key in ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.pre"] {
      #expect(ggufError { $0[key] = nil } == .missingKey(key))
    }
  }

  @Test func wrongTypesAreNamed() {
    #expect(
      ggufError { $0["tokenizer.ggml.tokens"] = .array([.uint32(1)]) }
        == .wrongKeyType(key: "tokenizer.ggml.tokens", expected: "an array of strings"))
    #expect(
      ggufError { $0["tokenizer.ggml.pre"] = .uint32(1) } == .wrongKeyType(key: "tokenizer.ggml.pre", expected: "a string"))
    #expect(
      ggufError { $0["tokenizer.ggml.bos_token_id"] = .string("1") }
        == .wrongKeyType(key: "tokenizer.ggml.bos_token_id", expected: "an integer"))
  }

  @Test func badMergesAreNamed() {
    func withMerges(_ merges: [String]) -> TokenizerError? {
      ggufError { $0["tokenizer.ggml.merges"] = .array(merges.map { .string($0) }) }
    }
    #expect(withMerges(["a b", "a x"]) == .unknownMergeToken(index: 1, token: "x"))
    #expect(withMerges(["c a"]) == .unknownMergeResult(index: 0, token: "ca"))
    #expect(withMerges(["ab"]) == .badMerge(index: 0, merge: "ab"))
    #expect(withMerges(["a b c"]) == .badMerge(index: 0, merge: "a b c"))
    #expect(withMerges(["a "]) == .badMerge(index: 0, merge: "a "))
  }

  @Test func inconsistentArraysAndIDsAreNamed() {
    #expect(
      ggufError { $0["tokenizer.ggml.token_type"] = .array([.int32(1)]) }
        == .lengthMismatch(key: "tokenizer.ggml.token_type", expected: Tiny.tokens.count, found: 1))
    #expect(
      ggufError { $0["tokenizer.ggml.eos_token_id"] = .uint32(99) }
        == .tokenIDOutOfRange(key: "tokenizer.ggml.eos_token_id", id: 99, vocabularySize: Tiny.tokens.count))
    #expect(ggufError { $0["tokenizer.ggml.tokens"] = .array([]) } == .emptyVocabulary)
  }

  @Test func errorMessagesQuoteTokensSafely() {
    #expect(
      TokenizerError.unknownMergeToken(index: 3, token: "a\n\"").description
        == "merge #3 names token \"a\\u{A}\\\"\", which is not in the vocabulary")
  }

  // MARK: - tokenizer.json

  @Test func invalidJSONIsReported() {
    guard case .invalidJSON = jsonError(Data("{not json".utf8)) else {
      Issue.record("expected invalidJSON")
      return
    }
    #expect(jsonError(Data("[1, 2]".utf8)) == .invalidJSON("tokenizer.json is not a JSON object"))
  }

  @Test func unsupportedJSONComponentsAreNamed() throws {
    #expect(jsonError(Tiny.json(model: ["type": "WordPiece"])) == .unsupportedModel("WordPiece"))
    #expect(
      jsonError(Tiny.json(preTokenizer: nil))
        == .unsupportedModel("BPE without a ByteLevel pre-tokenizer (SentencePiece-style)"))
    guard case .unsupportedComponent(let what, _) = jsonError(Tiny.json(preTokenizer: ["type": "Metaspace"])) else {
      Issue.record("expected unsupportedComponent")
      return
    }
    #expect(what == "pre-tokenizer")
    let split: [String: Any] = [
      "type": "Sequence",
      "pretokenizers": [
        ["type": "Split", "pattern": ["Regex": "\\w+"], "behavior": "Isolated", "invert": false],
        ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
      ],
    ]
    guard case .unsupportedComponent(let splitWhat, _) = jsonError(Tiny.json(preTokenizer: split)) else {
      Issue.record("expected unsupportedComponent")
      return
    }
    #expect(splitWhat == "Split regex")
    guard case .unsupportedComponent(let normWhat, _) = jsonError(Tiny.json(normalizer: ["type": "Lowercase"])) else {
      Issue.record("expected unsupportedComponent")
      return
    }
    #expect(normWhat == "normalizer")
    #expect(
      jsonError(Tiny.json(model: ["byte_fallback": true])) == .unsupportedModel("BPE with byte_fallback (SentencePiece-style)"))
  }

  @Test func badJSONVocabularyAndMergesAreNamed() {
    #expect(jsonError(Tiny.json(model: ["merges": ["a z"]])) == .unknownMergeToken(index: 0, token: "z"))
    #expect(jsonError(Tiny.json(model: ["merges": ["abc"]])) == .badMerge(index: 0, merge: "abc"))
    #expect(jsonError(Tiny.json(model: ["vocab": "nope"])) == .wrongKeyType(key: "model.vocab", expected: "an object"))
    #expect(jsonError(Tiny.json(model: ["unk_token": "<unk>"])) == .unknownToken(key: "model.unk_token", token: "<unk>"))
    #expect(jsonError(Tiny.json(model: ["vocab": [String: Int]()], addedTokens: [])) == .emptyVocabulary)
  }
}
