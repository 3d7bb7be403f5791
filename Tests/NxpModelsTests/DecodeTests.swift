import Foundation
import NxpModels
import NxpTensor
import Testing

/// Incremental decoding with the key/value cache, and generation.
@Suite struct DecodeTests {
  /// Feeding a prefix, then one token at a time (growing the cache past its initial capacity of
  /// 2), gives the same logits as full forward passes (within 1e-5 of the largest logit).
  @Test(arguments: [Architecture.llama, .gpt2])
  func incrementalLogitsEqualFullForward(architecture: Architecture) throws {
    let config = architecture == .llama ? Fixtures.tinyLlama() : Fixtures.tinyGPT2()
    let model = TransformerModel.randomized(config, seed: 31)
    let tokens: [Int32] = [4, 8, 15, 16, 23, 42, 7, 1, 0, 49]
    let full = try model.forward([tokens], request: ForwardRequest(logits: .all))
    let session = DecodeSession(model: model, capacity: 2)
    var logits = try session.append(Array(tokens[0..<4]))
    #expect(Deviation(logits, Array(full.logits!.row(3))).relative < 1e-5)
    for i in 4..<tokens.count {
      logits = try session.append([tokens[i]])
      let d = Deviation(logits, Array(full.logits!.row(i)))
      #expect(d.relative < 1e-5, "position \(i): \(d)")
    }
    #expect(session.position == tokens.count)
    session.reset()
    #expect(Deviation(try session.append([tokens[0]]), Array(full.logits!.row(0))).relative < 1e-5)
  }

  /// Greedy generation equals repeatedly taking the argmax of full forward passes.
  @Test func greedyGenerationFollowsArgmax() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 32)
    var context: [Int32] = [3, 1, 4]
    let generated = try model.generate(prompt: context, options: GenerationOptions(maxTokens: 6, stopTokens: []))
    #expect(generated.count == 6)
    for token in generated {
      #expect(token == Int32(TokenSampler.argmax(try model.nextTokenLogits(context))))
      context.append(token)
    }
  }

  /// Sampling is reproducible per seed, top-1 sampling is greedy, and stop tokens end generation.
  @Test func samplingIsSeededAndStops() throws {
    let model = TransformerModel.randomized(Fixtures.tinyGPT2(), seed: 33)
    let prompt: [Int32] = [1, 2, 3]
    let hot = GenerationOptions(maxTokens: 12, temperature: 1.5, seed: 7, stopTokens: [])
    let a = try model.generate(prompt: prompt, options: hot)
    let b = try model.generate(prompt: prompt, options: hot)
    #expect(a == b && a.count == 12)
    var other = hot
    other.seed = 8
    #expect(try model.generate(prompt: prompt, options: other) != a)
    let greedy = try model.generate(prompt: prompt, options: GenerationOptions(maxTokens: 5, stopTokens: []))
    #expect(
      try model.generate(prompt: prompt, options: GenerationOptions(maxTokens: 5, temperature: 2, topK: 1, seed: 3, stopTokens: []))
        == greedy)
    let stopped = try model.generate(prompt: prompt, options: GenerationOptions(maxTokens: 5, stopTokens: [greedy[1]]))
    #expect(stopped == Array(greedy[0...1]) || stopped == [greedy[0]])
  }

  /// The default model continues "The capital of France is" greedily with " Paris", through
  /// the cache, matching the full forward pass.
  @Test func defaultModelGeneratesParis() throws {
    let model = try Fixtures.defaultModel()
    let tokenizer = try #require(try model.tokenizer())
    let prompt = tokenizer.encode("The capital of France is")
    let generated = try model.generate(prompt: prompt, options: GenerationOptions(maxTokens: 3))
    #expect(tokenizer.decode(generated).hasPrefix(" Paris"))
    #expect(generated[1] == Int32(TokenSampler.argmax(try model.nextTokenLogits(prompt + [generated[0]]))))
  }

  @Test func decodeRejectsBadInput() throws {
    let model = TransformerModel.randomized(Fixtures.tinyGPT2(), seed: 34)
    let session = DecodeSession(model: model)
    #expect(throws: ModelError.tokenOutOfRange(token: 99, vocabularySize: 50)) { try session.append([99]) }
    #expect(throws: ModelError.sequenceTooLong(length: 33, limit: 32)) { try session.append(Array(repeating: 1, count: 33)) }
    #expect(session.position == 0)
  }
}
