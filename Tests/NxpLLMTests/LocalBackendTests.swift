import Foundation
import NxpInterp
import NxpModels
import NxpTestSupport
import Testing

@testable import NxpLLM

/// The local backend on the installed SmolLM2-135M-Instruct: chat layout, generation, prompt
/// log-probabilities, prefix reuse, and the simulators that read them.
enum LocalFixture {
  static let result: Result<LocalBackend, Error> = Result {
    let path = try TestEnvironment.defaultModelPath()
    let model = try ModelRegistry.load(path)
    return try LocalBackend(model: model, template: try LocalBackend.chatTemplate(of: .gguf(path: path)), identityModel: "smollm2-test")
  }
  static func backend() throws -> LocalBackend { try result.get() }
}

@Suite(.serialized) struct LocalBackendTests {
  let tokens = [" The", " Journal", " of", " Applied", " Physics", " (", "1932", ")", "\n", " was", " 🙂", " cited", "."]

  @Test func theTemplateComesFromTheModelFile() throws {
    let b = try LocalFixture.backend()
    #expect(b.template.family == .chatML)
    #expect(b.render(ChatPrompt([ChatMessage(.user, "Hi")])).hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))
  }

  @Test func greedyGenerationIsReproducibleAndStopsAtTheEndOfTheTurn() throws {
    let b = try LocalFixture.backend()
    let request = GenerationRequest(
      prompt: ChatPrompt([ChatMessage(.user, "What is the capital of France? Answer in one word.")]),
      sampling: Sampling(maxTokens: 20), topLogprobs: 3)
    let a = try b.generate(request)
    let again = try b.generate(request)
    // The second request reuses the first one's prompt state: the same tokens, log-probabilities
    // equal up to float rounding.
    #expect(a.text == again.text && a.tokens?.map(\.token) == again.tokens?.map(\.token))
    for (x, y) in zip(a.tokens ?? [], again.tokens ?? []) { #expect(abs(x.logprob! - y.logprob!) < 1e-4) }
    #expect(a.text.contains("Paris"))
    #expect(a.usage.completionTokens <= 20 && a.usage.promptTokens > 10)
    // Top lists are sorted, hold the chosen token first (greedy), and are log-probabilities.
    for t in a.tokens ?? [] {
      #expect(t.top.count == 3)
      #expect(t.top[0].token == t.token)
      #expect(t.top[0].logprob >= t.top[1].logprob && t.top[1].logprob >= t.top[2].logprob && t.top[0].logprob <= 0)
    }
  }

  @Test func prefixReuseGivesTheSameLogProbabilitiesAsAFullPass() throws {
    let b = try LocalFixture.backend()
    let first = ChatPrompt(SimulationPrompt.allAtOnce(explanation: "names of journals", tokens: tokens), continueFinal: true)
    let second = ChatPrompt(
      SimulationPrompt.allAtOnce(explanation: "names of journals", tokens: Array(tokens.reversed())), continueFinal: true)
    b.reusesPrefix = false
    let fullFirst = try b.scorePrompt(PromptScoringRequest(prompt: first, topLogprobs: 5))
    let fullSecond = try b.scorePrompt(PromptScoringRequest(prompt: second, topLogprobs: 5))
    b.reusesPrefix = true
    _ = try b.scorePrompt(PromptScoringRequest(prompt: first, topLogprobs: 5, scoreFrom: SimulationPrompt.recordStart))
    let reusedBefore = b.reusedTokens
    let reused = try b.scorePrompt(PromptScoringRequest(prompt: second, topLogprobs: 5, scoreFrom: SimulationPrompt.recordStart))
    // Everything up to the target's records was reused.
    #expect(b.reusedTokens - reusedBefore > fullSecond.tokens.count / 2)
    #expect(reused.tokens.map(\.token) == fullSecond.tokens.map(\.token))
    guard let start = Simulator.valueSlots(in: reused.tokens.map(\.token)).first else {
      Issue.record("no slots in \(reused.tokens.suffix(40).map(\.token))")
      return
    }
    var worst = 0.0
    for i in start..<reused.tokens.count {
      #expect(reused.tokens[i].top.map(\.token) == fullSecond.tokens[i].top.map(\.token))
      for (x, y) in zip(reused.tokens[i].top, fullSecond.tokens[i].top) { worst = max(worst, abs(x.logprob - y.logprob)) }
    }
    #expect(worst < 1e-3, "largest log-prob difference \(worst)")
    #expect(fullFirst.tokens[0].top.isEmpty && !fullFirst.tokens[1].top.isEmpty)
  }

  @Test func excerptsScoredInOneBatchReadWhatFullPassesRead() throws {
    let b = try LocalFixture.backend()
    // Excerpts of different lengths (the branches are ragged), the first one twice.
    let excerpts = [tokens, Array(tokens.reversed().prefix(7)), [" hello", " world"], tokens]
    let requests = excerpts.map {
      PromptScoringRequest(
        prompt: ChatPrompt(SimulationPrompt.allAtOnce(explanation: "names of journals", tokens: $0), continueFinal: true),
        topLogprobs: 5, scoreFrom: SimulationPrompt.recordStart, onlyAfter: "\t", candidates: SimulationPrompt.values)
    }
    b.reusesPrefix = false
    let singles = try requests.map { try b.scorePrompt($0) }
    b.reusesPrefix = true
    let fedBefore = b.fedTokens
    let batched = try b.scorePrompts(requests)
    let fed = b.fedTokens - fedBefore
    // The shared prefix (system text, worked examples, explanation) is fed at most once.
    let total = singles.reduce(0) { $0 + $1.tokens.count }
    #expect(fed < total / 2, "fed \(fed) of \(total) prompt tokens")
    var worst = 0.0
    var compared = 0
    for (one, many) in zip(singles, batched) {
      #expect(one.tokens.map(\.token) == many.tokens.map(\.token))
      for (x, y) in zip(one.tokens, many.tokens) {
        #expect(x.top.isEmpty == y.top.isEmpty)
        for (p, q) in zip(x.top, y.top) {
          worst = max(worst, abs(p.logprob - q.logprob))
          compared += 1
        }
      }
    }
    #expect(compared > 100)
    #expect(worst < 1e-3, "largest log-prob difference \(worst)")
    let sims = try Simulator(backend: b, method: .allAtOnce).simulate(explanation: "names of journals", excerpts: excerpts + [[]])
    #expect(sims.count == 5 && sims[4].expected == [])
    for (i, one) in singles.enumerated() {
      let sim = sims[i]
      let alone = Simulator.readAllAtOnce(one, tokens: excerpts[i])
      for (x, y) in zip(try #require(sim.expected), try #require(alone.expected)) { #expect(abs(x - y) < 1e-3) }
    }
  }

  @Test func allAtOnceFindsOneSlotPerTokenAndTokenByTokenReadsTheSameDistribution() throws {
    let b = try LocalFixture.backend()
    let explanation = "names of scientific journals"
    let all = try Simulator(backend: b, method: .allAtOnce).simulate(explanation: explanation, tokens: tokens)
    #expect(all.failure == nil)
    let ev = try #require(all.expected)
    #expect(ev.count == tokens.count)
    #expect(ev.allSatisfy { $0 >= 0 && $0 <= 9 })
    #expect(all.requests == 1)
    for (values, probabilities) in zip(all.distributionValues, all.distributionProbabilities) {
      #expect(values.allSatisfy { (0...9).contains($0) })
      #expect(abs(probabilities.reduce(0, +) - 1) < 1e-9)
    }
    let one = try Simulator(backend: b, method: .tokenByToken).simulate(explanation: explanation, tokens: tokens)
    let ev1 = try #require(one.expected)
    #expect(one.requests == tokens.count)
    // The cut prompt is a prefix of the all-at-once prompt, so the two read the same numbers.
    for (x, y) in zip(ev, ev1) { #expect(abs(x - y) < 1e-3, "all at once \(ev), token by token \(ev1)") }
  }

  @Test func aGeneratedSimulationEitherAlignsOrIsAFailureNeverZeros() throws {
    let b = try LocalFixture.backend()
    let s = try Simulator(backend: b, method: .generate).simulate(explanation: "closing parentheses", tokens: [" (", "see", ")", " it"])
    if let ev = s.expected {
      #expect(ev.count == 4 && s.failure == nil)
    } else {
      #expect(s.failure?.contains("token lines for 4 tokens") == true)
    }
  }

  /// Greedy explanations repeat exactly. Sampled ones are drawn with seeds 0..n-1; recomputed
  /// after other prompts they agree only up to float rounding (the shared prefix is fed in other
  /// pieces), which can flip a sampled token: exact re-runs come from the request cache.
  @Test func theExplainerDrawsSeededSamplesAndRepeatsGreedyOnes() throws {
    let b = try LocalFixture.backend()
    let records = [
      ActivationRecord(tokens: [" the", " Journal", " of", " Physics"], activations: [0, 6, 0.5, 1], excerpt: 0),
      ActivationRecord(tokens: [" a", " Journal", " about", " birds"], activations: [0, 5, 0, 0], excerpt: 1),
    ]
    let e = Explainer(backend: b)
    let two = try e.explain(records: records, samples: 2)
    #expect(two.count == 2)
    #expect(two[0].reply != two[1].reply)
    for s in two { #expect(s.text != nil || !s.reply.isEmpty) }
    let greedy = try e.explain(records: records, samples: 1)
    _ = try e.explain(records: Array(records.reversed()), samples: 1)
    #expect(try e.explain(records: records, samples: 1).map(\.reply) == greedy.map(\.reply))
  }
}
