import Foundation
import NxpFormats
import Testing

@testable import NxpTokenizer

/// Swift against HF `tokenizers` on the same vocabulary, merges and pre-tokenizer.
@Suite struct ReferenceTests {
  // MARK: - SmolLM2 from its GGUF

  @Test func smolLM2FromGGUFMatchesHF() throws {
    let reference = try References.smolLM2.get()
    let tokenizer = try References.smolLM2GGUF.get()
    #expect(tokenizer.vocabularySize == reference.output.vocab_size)
    #expect(mismatches(reference.texts, expected: reference.output.ids) { tokenizer.encode($0) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.plain_ids) { tokenizer.encode($0, parseSpecial: false) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.with_special_tokens) {
        tokenizer.encode($0, addSpecialTokens: true)
      } == [])
  }

  @Test func smolLM2PiecesMatchHF() throws {
    let reference = try References.smolLM2.get()
    let tokenizer = try References.smolLM2GGUF.get()
    for (i, text) in reference.texts.enumerated() {
      let pieces = tokenizer.preTokenizer.pieces(of: text)
      #expect(pieces == reference.output.pieces[i], "text #\(i) \(text.debugDescription)")
      if pieces != reference.output.pieces[i] { break }
    }
  }

  @Test func smolLM2DecodesLikeHFAndRoundTrips() throws {
    let reference = try References.smolLM2.get()
    let tokenizer = try References.smolLM2GGUF.get()
    for (i, text) in reference.texts.enumerated() {
      #expect(tokenizer.decode(reference.output.ids[i]) == reference.output.decoded[i], "text #\(i)")
      #expect(tokenizer.decode(tokenizer.encode(text)) == text, "text #\(i)")
      #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: false)) == text, "text #\(i)")
    }
  }

  @Test func smolLM2SpecialIDs() throws {
    let tokenizer = try References.smolLM2GGUF.get()
    #expect(tokenizer.bosID == 1)
    #expect(tokenizer.eosID == 2)
    #expect(tokenizer.unknownID == 0)
    #expect(tokenizer.paddingID == 2)
    #expect(tokenizer.addsBOS == false)
    #expect(tokenizer.id(of: "<|im_start|>") == 1)
    #expect(tokenizer.id(of: "Ġthe") != nil)
    #expect(tokenizer.isSpecial(1))
    #expect(!tokenizer.isSpecial(17))
    #expect(tokenizer.encode("<|im_start|>user", parseSpecial: true).first == 1)
    #expect(tokenizer.encode("<|im_start|>user", parseSpecial: false).first != 1)
  }

  // MARK: - SmolLM2 through tokenizer.json

  @Test func smolLM2TokenizerJSONMatchesHF() throws {
    let reference = try References.smolLM2.get()
    let tokenizer = try BPETokenizer(tokenizerJSON: reference.tokenizerJSON)
    #expect(tokenizer.vocabularySize == reference.output.vocab_size)
    #expect(mismatches(reference.texts, expected: reference.output.ids) { tokenizer.encode($0) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.plain_ids) { tokenizer.encode($0, parseSpecial: false) } == [])
    #expect(tokenizer.decode(tokenizer.encode(reference.texts[5])) == reference.texts[5])
  }

  // MARK: - Other pre-tokenizers, small trained vocabularies

  @Test(arguments: ["gpt2", "gpt2-prefix", "smollm", "llama3", "qwen2"])
  func syntheticTokenizerMatchesHF(style: String) throws {
    let reference = try #require(References.synthetic[style]).get()
    let tokenizer = try BPETokenizer(tokenizerJSON: reference.tokenizerJSON)
    #expect(tokenizer.vocabularySize == reference.output.vocab_size)
    #expect(mismatches(reference.texts, expected: reference.output.ids) { tokenizer.encode($0) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.plain_ids) { tokenizer.encode($0, parseSpecial: false) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.with_special_tokens) {
        tokenizer.encode($0, addSpecialTokens: true)
      } == [])
    for (i, ids) in reference.output.ids.enumerated() {
      #expect(tokenizer.decode(ids) == reference.output.decoded[i], "text #\(i)")
    }
  }

  @Test(arguments: ["gpt2", "smollm", "llama3", "qwen2"])
  func syntheticPiecesMatchHF(style: String) throws {
    let reference = try #require(References.synthetic[style]).get()
    let tokenizer = try BPETokenizer(tokenizerJSON: reference.tokenizerJSON)
    var failures: [String] = []
    for (i, text) in reference.texts.enumerated() where failures.count < 5 {
      let pieces = tokenizer.preTokenizer.pieces(of: text)
      if pieces != reference.output.pieces[i] {
        failures.append("#\(i) \(text.debugDescription): expected \(reference.output.pieces[i]), got \(pieces)")
      }
    }
    #expect(failures == [])
  }

  @Test(arguments: ["gpt2", "smollm", "llama3", "qwen2"])
  func syntheticGGUFMatchesHF(style: String) throws {
    let reference = try #require(References.ggufSynthetic[style]).get()
    let tokenizer = try #require(reference.ggufTokenizer)
    #expect(tokenizer.vocabularySize == reference.output.vocab_size)
    #expect(mismatches(reference.texts, expected: reference.output.ids) { tokenizer.encode($0) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.plain_ids) { tokenizer.encode($0, parseSpecial: false) } == [])
    #expect(
      mismatches(reference.texts, expected: reference.output.with_special_tokens) {
        tokenizer.encode($0, addSpecialTokens: true)
      } == [])
    #expect(tokenizer.addsBOS == (style == "llama3"))
  }

  @Test func llama3StyleAddsBOSAndIgnoresMerges() throws {
    let reference = try #require(References.synthetic["llama3"]).get()
    let tokenizer = try BPETokenizer(tokenizerJSON: reference.tokenizerJSON)
    let bos = try #require(tokenizer.id(of: "<|begin_of_text|>"))
    #expect(tokenizer.bosID == bos)
    #expect(tokenizer.addsBOS)
    #expect(tokenizer.encode("hi", addSpecialTokens: true).first == bos)
    #expect(tokenizer.encode("hi", addSpecialTokens: false).first != bos)
    // ` xylophone` is in the vocabulary but no merge builds it: only ignore_merges finds it.
    let whole = try #require(tokenizer.id(of: "Ġxylophone"))
    #expect(tokenizer.encode(" xylophone") == [whole])
    let qwen = try BPETokenizer(tokenizerJSON: try #require(References.synthetic["qwen2"]).get().tokenizerJSON)
    #expect(qwen.encode(" xylophone").count > 1)
  }
}
