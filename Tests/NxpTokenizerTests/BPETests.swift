import Foundation
import Testing

@testable import NxpTokenizer

/// Merging, added tokens and options on the tiny vocabulary, worked out by hand.
@Suite struct BPETests {
  // MARK: - Merging

  @Test func mergesByRankThenLeftmost() throws {
    let t = try Tiny.gguf()
    #expect(t.encode("abc") == [Tiny.id("abc")])
    #expect(t.encode("bc") == [Tiny.id("bc")])
    #expect(t.encode("aaa") == [Tiny.id("aa"), Tiny.id("a")])
    #expect(t.encode("aaaa") == [Tiny.id("aaaa")])
    // (a, b) outranks (Ġ, a), and no merge joins Ġ with ab.
    #expect(t.encode(" ab") == [Tiny.id("Ġ"), Tiny.id("ab")])
    #expect(t.encode(" a") == [Tiny.id("Ġa")])
    #expect(t.encode("ab\nc") == [Tiny.id("ab"), Tiny.id("Ċ"), Tiny.id("c")])
  }

  @Test func bytesMissingFromTheVocabularyAreDroppedWithoutAnUnknownToken() throws {
    let t = try Tiny.gguf()
    #expect(t.encode("xab") == [Tiny.id("ab")])
  }

  @Test func bytesMissingFromTheVocabularyBecomeTheUnknownToken() throws {
    var metadata = Tiny.ggufMetadata()
    metadata["tokenizer.ggml.unknown_token_id"] = .uint32(1)
    let t = try BPETokenizer(ggufMetadata: metadata)
    #expect(t.encode("xab") == [1, Tiny.id("ab")])
    let fused = try BPETokenizer(tokenizerJSON: Tiny.json(model: ["unk_token": "</s>", "fuse_unk": true]))
    #expect(fused.encode("xyab") == [1, Tiny.id("ab")])
    let unfused = try BPETokenizer(tokenizerJSON: Tiny.json(model: ["unk_token": "</s>"]))
    #expect(unfused.encode("xyab") == [1, 1, Tiny.id("ab")])
  }

  @Test func scanAndHeapMergeAgreeOnSmolLM2() throws {
    let t = try References.smolLM2GGUF.get()
    var words = 0
    for text in TestTexts.all {
      for piece in t.preTokenizer.pieces(of: text) {
        let symbols = piece.utf8.map { t.byteIDs[Int($0)] }
        var scanned = symbols
        var heaped = symbols
        t.merges.mergeByScan(&scanned)
        t.merges.mergeWithHeap(&heaped)
        #expect(scanned == heaped, "\(piece.debugDescription)")
        words += 1
      }
    }
    #expect(words > 1000)
  }

  @Test func repeatedMergeLinesTakeTheLaterRank() throws {
    // (a, a) normally outranks (Ġ, a); listed again at the end, it ranks below it.
    #expect(try Tiny.gguf().encode(" aa") == [Tiny.id("Ġ"), Tiny.id("aa")])
    let t = try BPETokenizer(tokenizerJSON: Tiny.json(model: ["merges": Tiny.merges + ["a a"]]))
    #expect(t.encode(" aa") == [Tiny.id("Ġa"), Tiny.id("a")])
  }

  @Test func mergesMayBeWrittenAsPairs() throws {
    let pairs = Tiny.merges.map { $0.split(separator: " ").map(String.init) }
    let t = try BPETokenizer(tokenizerJSON: Tiny.json(model: ["merges": pairs]))
    #expect(t.encode("abc aaaa") == [Tiny.id("abc"), Tiny.id("Ġ"), Tiny.id("aaaa")])
  }

  @Test func ignoreMergesTakesWholeWordsFromTheVocabulary() throws {
    // "Ġab" exists, yet merging gives [Ġ, ab]; ignore_merges looks the piece up first.
    let t = try BPETokenizer(tokenizerJSON: Tiny.json(model: ["ignore_merges": true]))
    #expect(t.encode(" ab") == [Tiny.id("Ġab")])
    #expect(t.encode(" abc") == [Tiny.id("Ġ"), Tiny.id("abc")])
  }

  @Test func wordCacheStoresLooksUpAndStartsOverWhenFull() {
    let cache = WordCache(limit: 3)
    func lookup(_ word: String) -> [Int32]? {
      var out: [Int32] = [7]
      let found = Array(word.utf8).withUnsafeBufferPointer { cache.lookup($0, hash: WordCache.hash($0), into: &out) }
      return found ? Array(out.dropFirst()) : nil
    }
    func insert(_ word: String, _ ids: [Int32]) {
      Array(word.utf8).withUnsafeBufferPointer { cache.insert($0, hash: WordCache.hash($0), ids: ids) }
    }
    insert("ab", [1, 2])
    insert("abc", [3])
    insert("", [])
    #expect(lookup("ab") == [1, 2])
    #expect(lookup("abc") == [3])
    #expect(lookup("") == [])
    #expect(lookup("a") == nil)
    insert("ab", [9])
    #expect(lookup("ab") == [1, 2])
    insert("x", [4])
    #expect(lookup("x") == [4])
    #expect(lookup("ab") == nil)
  }

  // MARK: - Added tokens

  @Test func specialTokensAreMatchedOrReadAsText() throws {
    let t = try Tiny.gguf()
    #expect(t.encode("<s>ab</s>") == [0, Tiny.id("ab"), 1])
    #expect(t.encode("<s>ab</s>", parseSpecial: false) == [Tiny.id("ab")])
    #expect(t.encode("ab", addSpecialTokens: true) == [0, Tiny.id("ab")])
    #expect(t.encode("ab", addSpecialTokens: false) == [Tiny.id("ab")])
  }

  @Test func addedTokenOptions() throws {
    let added: [[String: Any]] = [
      ["id": 0, "content": "<s>", "special": true, "normalized": false, "lstrip": true, "rstrip": true, "single_word": false],
      ["id": 1, "content": "bc", "special": false, "normalized": true, "lstrip": false, "rstrip": false, "single_word": true],
    ]
    let t = try BPETokenizer(tokenizerJSON: Tiny.json(addedTokens: added))
    // lstrip and rstrip swallow the spaces around <s>.
    #expect(t.encode("a  <s>  a") == [Tiny.id("a"), 0, Tiny.id("a")])
    // single_word: "bc" alone is the added token; inside "abc" it is not.
    #expect(t.encode("bc abc") == [1, Tiny.id("Ġ"), Tiny.id("abc")])
    #expect(t.isSpecial(0))
    #expect(!t.isSpecial(1))
  }

  @Test func longestAddedTokenWinsAtTheSamePosition() throws {
    let added: [[String: Any]] = [
      ["id": 0, "content": "<s>", "special": true],
      ["id": 1, "content": "<s>ab", "special": true],
    ]
    let t = try BPETokenizer(tokenizerJSON: Tiny.json(addedTokens: added))
    #expect(t.encode("a<s>abc") == [Tiny.id("a"), 1, Tiny.id("c")])
    #expect(t.encode("a<s>a") == [Tiny.id("a"), 0, Tiny.id("a")])
  }

  // MARK: - Normalization

  @Test func nfcNormalizerComposesBeforeMerging() throws {
    let nfc = try BPETokenizer(tokenizerJSON: Tiny.json(normalizer: ["type": "Sequence", "normalizers": [["type": "NFC"]]]))
    // e + U+0301 composes to é (C3 A9); without NFC none of its bytes is in the vocabulary.
    #expect(nfc.encode("ae\u{301}") == [Tiny.id("a"), Tiny.id("Ã©")])
    let plain = try Tiny.gguf()
    #expect(plain.encode("ae\u{301}") == [Tiny.id("a")])
  }
}
