import Foundation
import NxpInterp
import NxpModels
import NxpTestSupport
import Testing

@testable import NxpLLM

/// The OpenAI backend against `llm_fault_server.py`: retries, back-off, errors, the key, the
/// concurrency limit, answer shapes and prompt alignment. Each test starts its own server.
@Suite struct OpenAIBackendTests {
  static let key = "sk-test-9f8e7d6c5b4a-SECRET"
  static let fast = RetryPolicy(maxRetries: 3, baseDelay: 0.05, maxDelay: 0.2, maxRetryAfter: 10)

  func backend(
    _ server: FaultServer, retry: RetryPolicy = fast, timeout: TimeInterval = 20, concurrency: Int = 4,
    template: ChatTemplate? = ChatTemplate(family: .chatML), ledger: Ledger? = nil
  ) throws -> OpenAIBackend {
    try OpenAIBackend(
      .init(baseURL: server.baseURL, model: "fault-model", timeout: timeout, retry: retry, concurrency: concurrency, template: template),
      apiKey: Self.key, ledger: ledger)
  }

  func ask(_ text: String, maxTokens: Int = 8, topLogprobs: Int = 0) -> GenerationRequest {
    GenerationRequest(prompt: ChatPrompt([ChatMessage(.user, text)]), sampling: Sampling(maxTokens: maxTokens), topLogprobs: topLogprobs)
  }

  func failure(_ body: () throws -> Void) -> LLMError? {
    do {
      try body()
      return nil
    } catch let e as LLMError {
      return e
    } catch {
      Issue.record("unexpected error \(error)")
      return nil
    }
  }

  @Test func serverErrorsAreRetriedAndTheCacheIsNotResent() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let ledger = Ledger()
    let store = DirectoryRequestStore(directory: try TestEnvironment.temporaryDirectory("nxp-openai-cache"))
    let cached = CachingBackend(try backend(server, ledger: ledger), store: store, ledger: ledger)
    let request = ask("hello #id:r500 #fault:500 #times:2")
    let first = try cached.generate(request)
    #expect(first.text.hasPrefix("reply: hello"))
    let second = try cached.generate(request)
    #expect(second == first)
    #expect(try server.stats().counts["r500"] == 3)
    let t = ledger.snapshot
    #expect(t.requests == 1 && t.cached == 1 && t.retries == 2 && t.failures == 0)
    #expect(t.promptTokens > 0 && t.completionTokens > 0)
    // Answers are stored without the key.
    let files = FileManager.default.enumerator(atPath: store.directory)?.compactMap { $0 as? String } ?? []
    for f in files where f.hasSuffix(".json") {
      let text = try String(contentsOfFile: store.directory + "/" + f, encoding: .utf8)
      #expect(!text.contains(Self.key))
    }
  }

  @Test func retryAfterSecondsIsHonoured() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let ledger = Ledger()
    let b = try backend(server, retry: RetryPolicy(maxRetries: 2, baseDelay: 0, maxDelay: 0, maxRetryAfter: 10), ledger: ledger)
    let start = Date()
    _ = try b.generate(ask("#id:ra #fault:429-after-2 #times:1"))
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed >= 1.95, "waited only \(elapsed) s")
    #expect(elapsed < 15)
    #expect(try server.stats().counts["ra"] == 2)
    #expect(ledger.snapshot.retries == 1)
  }

  @Test func retryAfterDateIsHonoured() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let b = try backend(server, retry: RetryPolicy(maxRetries: 2, baseDelay: 0, maxDelay: 0, maxRetryAfter: 10))
    let start = Date()
    _ = try b.generate(ask("#id:rd #fault:429-date-3 #times:1"))
    // An HTTP date has whole seconds, so 3 s ahead is at least 2 s away.
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed >= 1.9, "waited only \(elapsed) s")
    #expect(elapsed < 15)
    #expect(try server.stats().counts["rd"] == 2)
  }

  @Test func retryAfterIsCapped() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let b = try backend(server, retry: RetryPolicy(maxRetries: 1, baseDelay: 0, maxDelay: 0, maxRetryAfter: 0.5))
    let start = Date()
    _ = try b.generate(ask("#id:rc #fault:429-after-3600 #times:1"))
    #expect(Date().timeIntervalSince(start) < 10)
  }

  @Test func timeoutsAreRetried() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let b = try backend(server, timeout: 1)
    let start = Date()
    let c = try b.generate(ask("#id:slow #fault:slow-4 #times:1"))
    #expect(c.text.hasPrefix("reply:"))
    #expect(Date().timeIntervalSince(start) >= 0.9)
    #expect(try server.stats().counts["slow"] == 2)
    let e = failure {
      _ = try backend(server, retry: RetryPolicy(maxRetries: 1, baseDelay: 0), timeout: 1).generate(
        ask("#id:slow2 #fault:slow-4"), label: "explain 1:2")
    }
    #expect(e?.description.contains("no answer within 1 s") == true, "\(String(describing: e))")
    #expect(e?.description.contains("explain 1:2") == true)
  }

  @Test func unreadableBodiesAreRetried() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let b = try backend(server)
    for mode in ["malformed", "truncated", "reset"] {
      let start = Date()
      let c = try b.generate(ask("#id:\(mode) #fault:\(mode) #times:2"))
      // Well below the 20 s timeout: a dead connection is noticed, not waited out.
      #expect(Date().timeIntervalSince(start) < 10, "\(mode)")
      #expect(c.text.hasPrefix("reply:"), "\(mode)")
      #expect(try server.stats().counts[mode] == 3, "\(mode)")
    }
    let e = failure { _ = try b.generate(ask("#id:bad #fault:malformed"), label: "simulate 3:4") }
    guard case .malformedAnswer(_, let request, let detail) = e else {
      Issue.record("expected malformedAnswer, got \(String(describing: e))")
      return
    }
    #expect(request == "simulate 3:4")
    #expect(detail.contains("not a JSON object") && detail.contains("4 attempts"))
  }

  @Test func aWellFormedAnswerMissingFieldsIsNotRetried() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let e = failure { _ = try backend(server).generate(ask("#id:miss #fault:missing"), label: "explain 6:123") }
    guard case .malformedAnswer(_, let request, let detail) = e else {
      Issue.record("expected malformedAnswer, got \(String(describing: e))")
      return
    }
    #expect(request == "explain 6:123" && detail.contains("choices"))
    #expect(try server.stats().counts["miss"] == 1)
  }

  @Test func finalErrorsNameTheRequestAndStatusAndNeverTheKey() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let ledger = Ledger()
    let b = try backend(server, ledger: ledger)
    let cached = CachingBackend(b, store: nil, ledger: ledger)
    let e500 = failure { _ = try RequestLabel.with("explain 6:123") { try cached.generate(ask("#id:f500 #fault:500")) } }
    let text500 = e500?.description ?? ""
    #expect(text500.contains("explain 6:123") && text500.contains("HTTP 500") && text500.contains("4 attempts"), "\(text500)")
    #expect(try server.stats().counts["f500"] == 4)

    // The server quotes the Authorization header back; the quote is redacted.
    let e400 = failure { _ = try b.generate(ask("#id:f400 #fault:400"), label: "explain 6:124") }
    let text400 = e400?.description ?? ""
    #expect(text400.contains("explain 6:124") && text400.contains("HTTP 400") && text400.contains("[redacted]"), "\(text400)")
    #expect(try server.stats().counts["f400"] == 1)

    let t = ledger.snapshot
    #expect(t.retries == 3 && t.failures == 1 && t.requests == 0)
    for text in [text500, text400, "\(String(describing: e500))", "\(String(reflecting: e400))", b.description, "\(b)"] {
      #expect(!text.contains(Self.key))
    }
    var dumped = ""
    dump(b, to: &dumped)
    #expect(!dumped.contains(Self.key))
    let stats = try server.stats()
    #expect(stats.authorization == ["Bearer \(Self.key)"])
    #expect(stats.keyElsewhere == 0)
  }

  @Test func connectionRefusedIsRetriedThenReported() throws {
    let server = try FaultServer()
    let url = server.baseURL
    server.stop()
    let ledger = Ledger()
    let b = try OpenAIBackend(
      .init(baseURL: url, model: "m", retry: RetryPolicy(maxRetries: 2, baseDelay: 0.01)), apiKey: Self.key, ledger: ledger)
    let e = failure { _ = try b.generate(ask("hi"), label: "explain 0:1") }
    guard case .requestFailed(_, let request, let attempts, let reason) = e else {
      Issue.record("expected requestFailed, got \(String(describing: e))")
      return
    }
    #expect(request == "explain 0:1" && attempts == 3 && reason.contains("refused"), "\(reason)")
    #expect(ledger.snapshot.retries == 2)
  }

  @Test func concurrencyLimitIsReal() throws {
    let server = try FaultServer(["--hold", "0.4"])
    defer { server.stop() }
    let b = try backend(server, concurrency: 3)
    let group = DispatchGroup()
    let errors = Ledger()  // counts failures across threads
    for i in 0..<9 {
      group.enter()
      let thread = Thread {
        if (try? b.generate(self.ask("#id:c\(i)"))) == nil { errors.failed() }
        group.leave()
      }
      thread.start()
    }
    group.wait()
    #expect(errors.snapshot.failures == 0)
    #expect(try server.stats().maxInFlight == 3)
    #expect(b.peakInFlight == 3)
  }

  @Test func chatTopLogprobsAreRead() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let c = try backend(server).generate(ask("one two", maxTokens: 4, topLogprobs: 3))
    let tokens = try #require(c.tokens)
    #expect(tokens.map(\.token).joined() == c.text)
    for t in tokens {
      #expect(t.top.count == 3 && t.top[0].token == t.token && t.logprob == -0.25)
    }
  }

  @Test func capabilitiesAreProbedOnceAndClampedToTheServer() throws {
    let server = try FaultServer(["--max-top", "5"])
    defer { server.stop() }
    let b = try backend(server)
    let caps = try b.capabilities()
    #expect(caps == BackendCapabilities(promptLogprobs: true, generatedTopLogprobs: 5, continuesFinalMessage: true))
    let after = try server.stats().requests
    _ = try b.capabilities()
    #expect(try server.stats().requests == after)
    // More alternatives than the server allows are asked as many as it allows.
    let c = try b.generate(ask("a b", topLogprobs: 10))
    #expect(c.tokens?.allSatisfy { $0.top.count == 5 } == true)
  }

  @Test func continuingAFinalMessageUsesCompletions() throws {
    let server = try FaultServer(["--no-echo"])
    defer { server.stop() }
    let b = try backend(server)
    let caps = try b.capabilities()
    #expect(!caps.promptLogprobs && caps.continuesFinalMessage && caps.generatedTopLogprobs == 20)
    let prompt = ChatPrompt([ChatMessage(.user, "count"), ChatMessage(.assistant, "1, 2")], continueFinal: true)
    let c = try b.generate(GenerationRequest(prompt: prompt, sampling: Sampling(maxTokens: 1), topLogprobs: 4))
    #expect(c.text == " next")
    #expect(c.tokens?.first?.top.count == 4)
    let e = failure { _ = try b.scorePrompt(PromptScoringRequest(prompt: prompt)) }
    guard case .unsupported(_, let what) = e else {
      Issue.record("expected unsupported, got \(String(describing: e))")
      return
    }
    #expect(what.contains("Only no echo is supported"))
  }

  @Test(arguments: ["same", "next"])
  func promptAlignmentIsDetectedAndCorrected(mode: String) throws {
    let server = try FaultServer(["--align", mode])
    defer { server.stop() }
    let b = try backend(server)
    #expect(try b.capabilities().promptLogprobs)
    #expect(b.promptAlignment == (mode == "same" ? .samePosition : .nextPosition))
    let prompt = ChatPrompt([ChatMessage(.user, "Name colors."), ChatMessage(.assistant, "red, green, blue")], continueFinal: true)
    let scored = try b.scorePrompt(PromptScoringRequest(prompt: prompt, topLogprobs: 3))
    let template = ChatTemplate(family: .chatML)
    #expect(scored.tokens.map(\.token).joined() == OpenAIBackend.render(prompt, template))
    #expect(scored.tokens[0].top.isEmpty)
    // The server puts (token j, -(j+1)/100) first in the distribution that predicts token j.
    for (j, t) in scored.tokens.enumerated() where j >= 2 {
      #expect(t.top.count == 3)
      #expect(t.top.first?.token == t.token, "position \(j)")
      #expect(abs((t.top.first?.logprob ?? 0) + Double(j + 1) / 100) < 1e-9, "position \(j)")
    }
    #expect(scored.usage.promptTokens == scored.tokens.count)
  }

  @Test func anUnrecognisedAlignmentIsRefused() throws {
    let server = try FaultServer(["--align", "noise"])
    defer { server.stop() }
    let b = try backend(server)
    #expect(try !b.capabilities().promptLogprobs)
    #expect(b.promptAlignment == nil)
    let e = failure { _ = try b.scorePrompt(PromptScoringRequest(prompt: ChatPrompt([ChatMessage(.user, "x")]))) }
    #expect(e?.description.contains("neither alignment") == true, "\(String(describing: e))")
  }

  @Test func scoringWithoutATemplateIsUnsupported() throws {
    let server = try FaultServer()
    defer { server.stop() }
    let b = try backend(server, template: nil)
    #expect(try b.capabilities() == BackendCapabilities(promptLogprobs: false, generatedTopLogprobs: 20, continuesFinalMessage: false))
    #expect(throws: LLMError.self) { try b.scorePrompt(PromptScoringRequest(prompt: ChatPrompt([ChatMessage(.user, "x")]))) }
  }

  @Test func configurationIsChecked() {
    #expect(throws: LLMError.self) { try OpenAIBackend(.init(baseURL: "ftp://x/v1", model: "m")) }
    #expect(throws: LLMError.self) { try OpenAIBackend(.init(baseURL: "http://x/v1", model: "")) }
    #expect(throws: LLMError.self) { try OpenAIBackend(.init(baseURL: "http://x/v1", model: "m", concurrency: 0)) }
    do {
      _ = try OpenAIBackend(.init(baseURL: "x:\(Self.key)", model: "m"), apiKey: Self.key)
      Issue.record("a bad address was accepted")
    } catch {
      #expect("\(error)".contains("[redacted]") && !"\(error)".contains(Self.key))
    }
    let b = try? OpenAIBackend(.init(baseURL: "http://user:pw@127.0.0.1:9/v1/?key=abc", model: "m"))
    #expect(b?.identity.description == "openai:m@http://127.0.0.1:9/v1")
  }

  @Test func retryAfterValuesAndBackoff() {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    #expect(RetryPolicy.retryAfter("7", now: now) == 7)
    #expect(RetryPolicy.retryAfter(" 1.5 ", now: now) == 1.5)
    #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == 10)
    #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now: now) == 0)
    #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
    #expect(RetryPolicy.retryAfter(nil) == nil)
    let p = RetryPolicy(maxRetries: 5, baseDelay: 1, maxDelay: 4, maxRetryAfter: 30)
    #expect(p.delay(retry: 1, retryAfter: 100) == 30)
    for retry in 1...6 {
      let d = p.delay(retry: retry, retryAfter: nil)
      #expect(d >= 0 && d <= min(4, pow(2, Double(retry - 1))))
    }
  }

  @Test func redactionCoversEscapedKeysAndCuts() {
    let r = Redaction(secret: "ab/cd")
    #expect(r.apply("x ab/cd y ab\\/cd") == "x [redacted] y [redacted]")
    let long = Data(("ab/cd " + String(repeating: "z", count: 500)).utf8)
    let e = r.excerpt(long, limit: 50)
    #expect(e.hasPrefix("[redacted] z") && e.hasSuffix("…") && e.count == 51)
  }
}
