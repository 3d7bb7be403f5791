import Foundation
import Testing

@testable import NxpTokenizer

/// Decoding, single-token display and concurrent use.
@Suite struct RoundTripTests {
  // MARK: - Round trips

  @Test(arguments: ["", "a", "é", "😀", "👨‍👩‍👧‍👦", "안녕하세요", "\u{0}", " \n\t ", "x\u{301}\u{302}", "<|im_end|>"])
  func smolLM2RoundTrips(text: String) throws {
    let t = try References.smolLM2GGUF.get()
    #expect(t.decode(t.encode(text)) == text)
    #expect(t.decode(t.encode(text, parseSpecial: false)) == text)
  }

  @Test func emptyTextHasNoTokens() throws {
    let t = try References.smolLM2GGUF.get()
    #expect(t.encode("") == [])
    #expect(t.decode([]) == "")
  }

  @Test func decodeJoinsBytesAcrossTokens() throws {
    let t = try Tiny.gguf()
    #expect(t.decode([Tiny.id("ab"), Tiny.id("Ġ"), Tiny.id("c")]) == "ab c")
    #expect(t.decode([Tiny.id("Ã"), Tiny.id("©")]) == "é")
    // A lone lead byte is malformed UTF-8; ids outside the vocabulary are skipped.
    #expect(t.decode([Tiny.id("a"), Tiny.id("â"), -1, 999]) == "a\u{FFFD}")
    #expect(t.decodeBytes([Tiny.id("â"), Tiny.id("a")]) == [0xE2, 0x61])
  }

  // MARK: - Single tokens

  @Test func tokenBytesAndStrings() throws {
    let t = try Tiny.gguf()
    #expect(t.tokenBytes(Tiny.id("Ġab")) == [0x20, 0x61, 0x62])
    #expect(t.tokenBytes(Tiny.id("Ċ")) == [0x0A])
    #expect(t.tokenBytes(0) == Array("<s>".utf8))
    #expect(t.tokenBytes(-1) == [])
    #expect(t.tokenBytes(Int32(Tiny.tokens.count)) == [])
    #expect(t.tokenString(Tiny.id("Ġab")) == "Ġab")
    #expect(t.tokenString(99) == nil)
    #expect(t.id(of: "Ġab") == Tiny.id("Ġab"))
    #expect(t.id(of: " ab") == nil)
    #expect(t.vocabularySize == Tiny.tokens.count)
    #expect(t.bosID == 0)
    #expect(t.eosID == 1)
    #expect(t.addsBOS)
  }

  @Test func tokenTextEscapesPartialCharacters() throws {
    let t = try Tiny.gguf()
    #expect(t.tokenText(Tiny.id("â")) == "\\xE2")
    #expect(t.tokenText(Tiny.id("Ã©")) == "é")
    #expect(t.tokenText(Tiny.id("Ġab")) == " ab")
    #expect(TokenDisplay.render([0x61, 0xE2, 0x82]) == "a\\xE2\\x82")
    #expect(TokenDisplay.render([0xE2, 0x82, 0xAC]) == "€")
    #expect(TokenDisplay.render([0x9F, 0x98, 0x80]) == "\\x9F\\x98\\x80")
    #expect(TokenDisplay.render([0xF0, 0x9F, 0x98, 0x80, 0x0A]) == "😀\n")
    #expect(TokenDisplay.render([0xC0, 0x80]) == "\\xC0\\x80")
  }

  @Test func smolLM2EmojiTokensShowTheirBytes() throws {
    let t = try References.smolLM2GGUF.get()
    let ids = t.encode("😀")
    #expect(ids.flatMap { t.tokenBytes($0) } == [0xF0, 0x9F, 0x98, 0x80])
    if ids.count > 1 {
      #expect(ids.allSatisfy { t.tokenText($0).hasPrefix("\\x") })
    } else {
      #expect(t.tokenText(ids[0]) == "😀")
    }
  }

  // MARK: - Concurrency

  @Test func concurrentEncodingMatchesSerial() throws {
    let t = try References.smolLM2GGUF.get()
    let texts = TestTexts.all
    let serial = texts.map { t.encode($0) }
    let results = ResultBox(count: texts.count)
    DispatchQueue.concurrentPerform(iterations: texts.count) { i in
      results.set(i, t.encode(texts[i]))
    }
    #expect(results.values == serial)
  }
}

/// Collects results written from several threads.
private final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [[Int32]]
  init(count: Int) { storage = Array(repeating: [], count: count) }
  func set(_ i: Int, _ v: [Int32]) {
    lock.lock()
    storage[i] = v
    lock.unlock()
  }
  var values: [[Int32]] {
    lock.lock()
    defer { lock.unlock() }
    return storage
  }
}
