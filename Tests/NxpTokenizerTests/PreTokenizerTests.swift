import Testing

@testable import NxpTokenizer

/// Hand-checked splits of each pattern (the reference tests compare many more against HF).
@Suite struct PreTokenizerTests {
  private func pieces(_ steps: [PreTokenizer.Step], _ text: String) -> [String] {
    PreTokenizer(steps: steps).pieces(of: text)
  }

  // MARK: - GPT-2

  @Test func gpt2KeepsTheLastSpaceOfARunForTheNextWord() {
    #expect(pieces([.pattern(.gpt2)], "a  b") == ["a", " ", " b"])
    #expect(pieces([.pattern(.gpt2)], "a   !") == ["a", "  ", " !"])
    #expect(pieces([.pattern(.gpt2)], "end   ") == ["end", "   "])
    #expect(pieces([.pattern(.gpt2)], "x\ty") == ["x", "\t", "y"])
    #expect(pieces([.pattern(.gpt2)], "x \ty") == ["x", " ", "\t", "y"])
    #expect(pieces([.pattern(.gpt2)], "x\t\ty") == ["x", "\t", "\t", "y"])
  }

  @Test func gpt2ContractionsAreCaseSensitive() {
    #expect(pieces([.pattern(.gpt2)], "it's we'RE I'll") == ["it", "'s", " we", "'", "RE", " I", "'ll"])
    #expect(pieces([.pattern(.gpt2)], "'ſx") == ["'", "ſx"])
  }

  @Test func gpt2GroupsLettersNumbersAndOthers() {
    #expect(pieces([.pattern(.gpt2)], "abc123 45!? é中") == ["abc", "123", " 45", "!?", " é中"])
    #expect(pieces([.pattern(.gpt2)], " \u{a0}x") == [" ", "\u{a0}", "x"])
  }

  @Test func digitsSplitOneByOneBeforeGPT2() {
    let steps: [PreTokenizer.Step] = [.digits(individual: true), .pattern(.gpt2)]
    #expect(pieces(steps, "ab 123x") == ["ab", " ", "1", "2", "3", "x"])
    #expect(pieces([.digits(individual: false), .pattern(.gpt2)], "ab 123x") == ["ab", " ", "123", "x"])
  }

  // MARK: - Llama 3 and Qwen2

  @Test func llama3ContractionsIgnoreCaseIncludingLongS() {
    #expect(pieces([.pattern(.llama3)], "we'RE it'Sx") == ["we", "'RE", " it", "'S", "x"])
    #expect(pieces([.pattern(.llama3)], "'ſx") == ["'ſ", "x"])
    #expect(pieces([.pattern(.qwen2)], "'ſx") == ["'ſ", "x"])
    #expect(pieces([.pattern(.llama3)], "'ﬅx") == ["'ﬅx"])
  }

  @Test func llama3GluesOneNonLetterToAWord() {
    #expect(pieces([.pattern(.llama3)], "\thello (world") == ["\thello", " (", "world"])
    #expect(pieces([.pattern(.llama3)], "\nhello") == ["\n", "hello"])
  }

  @Test func llama3NumbersComeInThreesAndQwen2InOnes() {
    #expect(pieces([.pattern(.llama3)], "1234567") == ["123", "456", "7"])
    #expect(pieces([.pattern(.qwen2)], "123") == ["1", "2", "3"])
  }

  @Test func llama3WhitespaceEndsAtTheLastNewline() {
    #expect(pieces([.pattern(.llama3)], "a \n\n  b") == ["a", " \n\n", " ", " b"])
    #expect(pieces([.pattern(.llama3)], "x!\n\ny") == ["x", "!\n\n", "y"])
    #expect(pieces([.pattern(.llama3)], "  \n") == ["  \n"])
    #expect(pieces([.pattern(.llama3)], "a  b") == ["a", " ", " b"])
  }

  // MARK: - Prefix space

  @Test func prefixSpaceIsAddedToEachPieceNotStartingWithOne() {
    let steps: [PreTokenizer.Step] = [.digits(individual: true), .prefixSpace, .pattern(.gpt2)]
    #expect(pieces(steps, "hi12") == [" hi", " 1", " 2"])
    #expect(pieces(steps, " hi") == [" hi"])
    #expect(pieces(steps, "") == [])
  }

  // MARK: - Chunking

  @Test(arguments: [
    [PreTokenizer.Step.pattern(.gpt2)], [.digits(individual: true), .pattern(.gpt2)], [.pattern(.llama3)],
    [.pattern(.qwen2)],
  ])
  func chunkingLongTextDoesNotChangeThePieces(steps: [PreTokenizer.Step]) {
    let whole = PreTokenizer(steps: steps, chunkBytes: .max)
    for chunkBytes in [1, 5, 64] {
      let chunked = PreTokenizer(steps: steps, chunkBytes: chunkBytes)
      let differing = TestTexts.all.filter { chunked.pieces(of: $0) != whole.pieces(of: $0) }
      #expect(differing == [], "chunkBytes \(chunkBytes)")
    }
    let long = String(repeating: TestTexts.fixed[5] + " It's 1234 \n\n ", count: 2000)
    #expect(PreTokenizer(steps: steps).pieces(of: long) == whole.pieces(of: long))
  }
}
