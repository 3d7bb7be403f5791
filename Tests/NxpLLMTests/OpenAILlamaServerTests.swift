import Foundation
import NxpInterp
import NxpModels
import NxpTestSupport
import Testing

@testable import NxpLLM

/// The OpenAI backend against a real server: llama-cpp-python on the default SmolLM2 GGUF, with
/// prompt scores checked against nxp's own engine on the same file and the same rendered text.
@Suite(
  .serialized,
  .enabled(
    if: LlamaServer.enabled,
    "llama_cpp is not importable: install it with scripts/setup.sh --test (NXP_REQUIRE_LLAMA_SERVER=1 makes this a failure)"))
struct OpenAILlamaServerTests {
  func setUp() throws -> (OpenAIBackend, ChatTemplate) {
    let server = try LlamaServer.start()
    let template = try LocalBackend.chatTemplate(of: .gguf(path: try TestEnvironment.defaultModelPath()))
    let backend = try OpenAIBackend(
      .init(baseURL: server.baseURL, model: "smollm2-135m", timeout: 120, concurrency: 1, template: template))
    return (backend, template)
  }

  @Test func probeFindsAlignedPromptLogprobs() throws {
    let (b, _) = try setUp()
    let report = try b.probe()
    #expect(report.capabilities == BackendCapabilities(promptLogprobs: true, generatedTopLogprobs: 20, continuesFinalMessage: true))
    // The ChatML prompt starts with <|im_start|>, SmolLM2's BOS id, which llama-cpp-python strips
    // as BOS; so entries line up.
    #expect(report.promptAlignment == .samePosition)
  }

  @Test func chatGeneratesText() throws {
    let (b, _) = try setUp()
    let prompt = ChatPrompt([ChatMessage(.user, "What is the capital of France?")])
    let c = try b.generate(GenerationRequest(prompt: prompt, sampling: Sampling(maxTokens: 12), topLogprobs: 5))
    #expect(!c.text.isEmpty)
    let tokens = try #require(c.tokens)
    #expect(tokens.count == c.usage.completionTokens && c.usage.promptTokens > 0)
    for t in tokens {
      #expect(t.top.count == 5)
      #expect(zip(t.top, t.top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
    }
    // Greedy answers repeat.
    #expect(try b.generate(GenerationRequest(prompt: prompt, sampling: Sampling(maxTokens: 12))).text == c.text)
  }

  @Test func continuingAFinalMessage() throws {
    let (b, _) = try setUp()
    let prompt = ChatPrompt(
      [ChatMessage(.user, "Count from 1 to 10."), ChatMessage(.assistant, "1, 2, 3, 4, 5,")], continueFinal: true)
    let c = try b.generate(GenerationRequest(prompt: prompt, sampling: Sampling(maxTokens: 2), topLogprobs: 3))
    #expect(c.text == " 6")
    #expect(c.tokens?.first?.top.first?.token == " ")
  }

  /// Prompt scores agree with nxp's engine: the same tokens (less those llama-cpp-python drops),
  /// mostly the same best token, and close log-probabilities for tokens both rank in the top 5.
  @Test func scoredPromptMatchesTheLocalEngine() throws {
    let (b, template) = try setUp()
    let model = try ModelRegistry.load("smollm2-135m")
    let local = try LocalBackend(model: model, template: template, identityModel: "smollm2-135m")
    let prompt = ChatPrompt(
      [
        ChatMessage(.user, "Here are words with how much a neuron fires on each:\nthe\t0\ncat\t7\nsat\t0\ndog\t9"),
        ChatMessage(.assistant, "The neuron fires on animals.\nthe\t0\nbird\t8\nflew\t0\n1, 2, 3, 4"),
      ], continueFinal: true)
    let request = PromptScoringRequest(prompt: prompt, topLogprobs: 5)
    let remote = try b.scorePrompt(request)
    let mine = try local.scorePrompt(request)

    // llama-cpp-python leaves out every token equal to its BOS id (SmolLM2: <|im_start|>) and
    // prints special tokens as "".
    let kept = mine.tokens.filter { $0.token != "<|im_start|>" }
    try #require(kept.count == remote.tokens.count, "\(kept.map(\.token)) vs \(remote.tokens.map(\.token))")
    var agree = 0
    var compared = 0
    var worst = 0.0
    var total = 0.0
    var pairs = 0
    for (r, m) in zip(remote.tokens, kept) {
      #expect(r.token == m.token || (r.token.isEmpty && m.token.hasPrefix("<|")), "\(r.token) vs \(m.token)")
      guard !r.top.isEmpty, !m.top.isEmpty else { continue }
      compared += 1
      if r.top[0].token == m.top[0].token { agree += 1 }
      for alt in r.top {
        guard let other = m.top.first(where: { $0.token == alt.token }) else { continue }
        let d = abs(alt.logprob - other.logprob)
        worst = max(worst, d)
        total += d
        pairs += 1
      }
    }
    print(
      "llama-cpp-python vs local: \(agree)/\(compared) same top-1, \(pairs) shared alternatives, max |Δ| \(worst), mean \(total / Double(max(1, pairs)))"
    )
    // Measured on this prompt: 83 of 84 same top-1, |Δ| max 0.70, mean 0.094 over ~390 shared
    // alternatives. llama.cpp multiplies Q4_1 weights with 8-bit-quantized activations: against a
    // float64 numpy forward pass it is itself off by up to 0.44 (mean 0.08). A misaligned list
    // would disagree on nearly every top-1 and by nats.
    #expect(compared >= remote.tokens.count - 1)
    #expect(Double(agree) >= 0.9 * Double(compared))
    #expect(worst < 1.5)
    #expect(total / Double(max(1, pairs)) < 0.2)
  }

  /// The whole all-at-once simulation of one short excerpt through the server and through nxp's
  /// engine on the same GGUF, and the token-by-token one through the server. The server's
  /// log-probabilities differ by up to ~0.7 nats from nxp's (its Q4_1 kernels round differently;
  /// nxp agrees with numpy in float64), so expected values are compared within 1.5 on the 0-9
  /// scale: a list shifted by one position reads the distribution after "unknown" or after a
  /// token instead of after a tab, which has no digit in it at all.
  @Test func simulationsThroughTheServerMatchTheLocalEngine() throws {
    let server = try LlamaServer.start()
    let template = try LocalBackend.chatTemplate(of: .gguf(path: try TestEnvironment.defaultModelPath()))
    // Echoing a prompt of ~600 tokens with log-probabilities takes llama-cpp-python a minute.
    let b = try OpenAIBackend(.init(baseURL: server.baseURL, model: "smollm2-135m", timeout: 600, concurrency: 1, template: template))
    let tokens = [" The", " Journal", " of"]
    let explanation = "the word Journal in names of publications"
    let local = try Simulator(backend: try LocalFixture.backend(), method: .allAtOnce).simulate(explanation: explanation, tokens: tokens)
    let viaServer = try Simulator(backend: b, method: .allAtOnce).simulate(explanation: explanation, tokens: tokens)
    let oneByOne = try Simulator(backend: b, method: .tokenByToken).simulate(explanation: explanation, tokens: tokens)
    let l = try #require(local.expected), s = try #require(viaServer.expected, "\(viaServer)"),
      t = try #require(oneByOne.expected, "\(oneByOne)")
    #expect(viaServer.requests == 1 && oneByOne.requests == 3)
    for j in tokens.indices {
      #expect(abs(l[j] - s[j]) < 1.5, "token \(j): local \(l), server all at once \(s)")
      #expect(abs(s[j] - t[j]) < 1.5, "token \(j): server all at once \(s), token by token \(t)")
    }
  }
}
