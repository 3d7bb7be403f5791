import Foundation
import NxpCore
import NxpInterp
import NxpModels

/// Any server that speaks OpenAI's HTTP API (OpenAI, vLLM, llama.cpp, llama-cpp-python, Ollama).
///
/// - `generate` uses `/chat/completions`; a prompt that continues its final message goes to
///   `/completions` with the prompt rendered by `template` (without one, to chat).
/// - `scorePrompt` uses `/completions` with `echo`, `logprobs` and `max_tokens: 1`, and needs a
///   template. Servers disagree on which position an echoed distribution belongs to, so a probe
///   prompt with an obvious continuation finds out once (`promptAlignment`).
/// - 429, 408, 5xx, timeouts, lost connections and unreadable bodies are retried with
///   exponential back-off and full jitter, or after `Retry-After`; other 4xx answers and
///   well-formed answers that lack a field are not, since sending them again changes nothing.
/// - The API key goes only into the Authorization header; quoted server text is redacted.
///
/// Requests are synchronous and may come from many threads; at most `concurrency` are in flight.
public final class OpenAIBackend: LLMBackend, CustomStringConvertible, CustomReflectable, @unchecked Sendable {
  public struct Configuration: Hashable, Sendable {
    /// Up to and including the version, e.g. `http://127.0.0.1:8080/v1`.
    public var baseURL: String
    public var model: String
    /// Seconds one attempt may take, from sending to the end of the answer.
    public var timeout: TimeInterval
    public var retry: RetryPolicy
    /// Requests in flight at once.
    public var concurrency: Int
    /// Renders a chat prompt for `/completions` (prompt scoring, continuing a final message).
    public var template: ChatTemplate?
    /// The most alternatives asked for per token (OpenAI allows 20).
    public var maxTopLogprobs: Int

    public init(
      baseURL: String, model: String, timeout: TimeInterval = 120, retry: RetryPolicy = RetryPolicy(), concurrency: Int = 4,
      template: ChatTemplate? = nil, maxTopLogprobs: Int = 20
    ) {
      self.baseURL = baseURL
      self.model = model
      self.timeout = timeout
      self.retry = retry
      self.concurrency = concurrency
      self.template = template
      self.maxTopLogprobs = maxTopLogprobs
    }
  }

  /// What the probe found, beyond `BackendCapabilities`.
  public struct ProbeReport: Hashable, Sendable {
    public var capabilities: BackendCapabilities
    /// Alternatives per generated token from chat and from completions (0: none).
    public var chatTopLogprobs: Int
    public var completionTopLogprobs: Int
    /// nil when prompt log-probabilities are unavailable.
    public var promptAlignment: PromptAlignment?
    /// Why something is unavailable, one line each (server text redacted).
    public var notes: [String]
  }

  public let identity: BackendIdentity
  public let concurrency: Int
  public let configuration: Configuration
  private let apiKey: String?
  private let redaction: Redaction
  private let ledger: Ledger?
  private let client: HTTPClient
  /// The base address; endpoint paths are appended to its path (a query, if any, stays).
  private let base: URLComponents
  private let probeLock = NSLock()
  private var probed: ProbeReport?

  /// `apiKey` is sent as `Authorization: Bearer …` and nowhere else; `ledger` counts retries.
  public init(_ configuration: Configuration, apiKey: String? = nil, ledger: Ledger? = nil) throws {
    let apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
    let redaction = Redaction(secret: apiKey)
    guard let url = URL(string: configuration.baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
      url.host != nil, var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
    else {
      throw LLMError.configuration("the server address \(redaction.apply(configuration.baseURL)) is not an http(s) URL")
    }
    let address = Self.publicAddress(url)
    guard !configuration.model.isEmpty else { throw LLMError.configuration("no model was named for \(address)") }
    guard configuration.concurrency >= 1 else { throw LLMError.configuration("concurrency must be at least 1") }
    guard configuration.timeout > 0 else { throw LLMError.configuration("the request timeout must be positive") }
    if let apiKey, apiKey.contains(where: { $0.isNewline }) {
      throw LLMError.configuration("the API key contains a line break")
    }
    self.configuration = configuration
    self.apiKey = apiKey
    self.redaction = redaction
    self.ledger = ledger
    concurrency = configuration.concurrency
    while components.path.hasSuffix("/") { components.path.removeLast() }
    base = components
    identity = BackendIdentity(kind: "openai", model: configuration.model, baseURL: address)
    client = HTTPClient(limit: configuration.concurrency, timeout: configuration.timeout)
  }

  /// The address without user, password, query or fragment (any of which may hold a secret).
  private static func publicAddress(_ url: URL) -> String {
    guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.host ?? "" }
    parts.user = nil
    parts.password = nil
    parts.query = nil
    parts.fragment = nil
    var s = parts.string ?? (url.host ?? "")
    while s.hasSuffix("/") { s.removeLast() }
    return s
  }

  public var description: String { identity.description }

  /// What `dump` shows: nothing that could hold the key.
  public var customMirror: Mirror {
    Mirror(self, children: ["identity": identity, "concurrency": concurrency], displayStyle: .class)
  }

  public var template: ChatTemplate? { configuration.template }

  /// The alignment the probe detected; nil before the probe or without prompt log-probabilities.
  public var promptAlignment: PromptAlignment? {
    probeLock.lock()
    defer { probeLock.unlock() }
    return probed?.promptAlignment
  }

  /// The most requests that were in flight at once so far.
  public var peakInFlight: Int { client.peakInFlight }

  // MARK: - Capabilities

  public func capabilities() throws -> BackendCapabilities { try probe().capabilities }

  /// Asks the server once what it offers (two to five small requests) and keeps the answer.
  public func probe() throws -> ProbeReport {
    probeLock.lock()
    defer { probeLock.unlock() }
    if let probed { return probed }
    let report = try runProbe()
    probed = report
    return report
  }

  static let probeLabel = "capability probe"

  /// A prompt whose every next token is obvious, to tell the alignments apart.
  static let probePrompt = ChatPrompt(
    [
      ChatMessage(.user, "Count from 1 to 20."),
      ChatMessage(.assistant, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"),
    ], continueFinal: true)

  private var topCandidates: [Int] {
    let k = max(1, configuration.maxTopLogprobs)
    return k > 5 ? [k, 5] : [k]
  }

  private func runProbe() throws -> ProbeReport {
    var notes: [String] = []
    var chatTop = 0
    let greedy = Sampling(temperature: 0, maxTokens: 1)
    for k in topCandidates {
      let body = chatBody(GenerationRequest(prompt: ChatPrompt([ChatMessage(.user, "Say OK.")]), sampling: greedy), k: k)
      switch try exchange("/chat/completions", body, label: Self.probeLabel) {
      case .json(let answer):
        let tokens = try? OpenAIAnswers.generatedTokens((try? OpenAIAnswers.firstChoice(answer))?["logprobs"], k: k)
        chatTop = min(k, tokens?.map(\.top.count).max() ?? 0)
        if chatTop == 0 { notes.append("chat answered without top log-probabilities") }
      case .rejected(let status, let excerpt, _):
        notes.append("chat with top_logprobs \(k) was refused: HTTP \(status): \(excerpt)")
        continue
      }
      break
    }

    var completionTop = 0
    var completionsWork = false
    var alignment: PromptAlignment? = nil
    if let template = configuration.template {
      let text = Self.render(Self.probePrompt, template)
      for k in topCandidates {
        let body: OpenAIAnswers.Object = [
          "model": configuration.model, "prompt": text, "echo": true, "logprobs": k, "max_tokens": 1, "temperature": 0,
          "stream": false,
        ]
        switch try exchange("/completions", body, label: Self.probeLabel) {
        case .json(let answer):
          completionsWork = true
          do {
            let (legacy, promptCount) = try echoed(answer, prompt: text)
            completionTop = min(k, legacy.top.compactMap { try? OpenAIAnswers.alternatives($0, k: k).count }.max() ?? 0)
            let found = legacy.detectAlignment(promptCount: promptCount)
            alignment = found.alignment
            if alignment == nil {
              notes.append(
                "echoed prompt log-probabilities fit neither alignment (best alternative is the token itself at \(found.same) positions, the next token at \(found.next))"
              )
            }
          } catch let e as AnswerShapeError {
            notes.append("completions with echo gave no prompt log-probabilities: \(e.detail)")
          }
        case .rejected(let status, let excerpt, _):
          notes.append("completions with echo and logprobs \(k) were refused: HTTP \(status): \(excerpt)")
          continue
        }
        break
      }
      if !completionsWork {
        // Servers without echo (llama.cpp, Ollama) may still continue a prompt.
        for k in topCandidates {
          let body: OpenAIAnswers.Object = [
            "model": configuration.model, "prompt": text, "max_tokens": 1, "temperature": 0, "logprobs": k, "stream": false,
          ]
          switch try exchange("/completions", body, label: Self.probeLabel) {
          case .json(let answer):
            completionsWork = true
            let tokens = try? OpenAIAnswers.generatedTokens((try? OpenAIAnswers.firstChoice(answer))?["logprobs"], k: k)
            completionTop = min(k, tokens?.map(\.top.count).max() ?? 0)
          case .rejected(let status, let excerpt, _):
            notes.append("completions with logprobs \(k) were refused: HTTP \(status): \(excerpt)")
            continue
          }
          break
        }
      }
    } else {
      notes.append("no chat template was given, so prompts cannot be rendered for /completions")
    }
    let continues = completionsWork && configuration.template != nil
    let capabilities = BackendCapabilities(
      promptLogprobs: alignment != nil, generatedTopLogprobs: continues ? min(chatTop, completionTop) : chatTop,
      continuesFinalMessage: continues)
    return ProbeReport(
      capabilities: capabilities, chatTopLogprobs: chatTop, completionTopLogprobs: completionTop, promptAlignment: alignment,
      notes: notes)
  }

  // MARK: - Requests

  /// `generate` with `label` naming the request in errors.
  public func generate(_ request: GenerationRequest, label: String) throws -> Completion {
    try RequestLabel.with(label) { try generate(request) }
  }

  /// `scorePrompt` with `label` naming the request in errors.
  public func scorePrompt(_ request: PromptScoringRequest, label: String) throws -> PromptScoring {
    try RequestLabel.with(label) { try scorePrompt(request) }
  }

  public func generate(_ request: GenerationRequest) throws -> Completion {
    let label = RequestLabel.current ?? "a generate request"
    let k = min(request.topLogprobs, configuration.maxTopLogprobs)
    let probe = currentProbe
    let chatK = probe.map { min(k, $0.chatTopLogprobs) } ?? k
    if request.prompt.continueFinal, let template = configuration.template {
      let completionK = probe.map { min(k, $0.completionTopLogprobs) } ?? k
      var body = sampled(request.sampling)
      body["prompt"] = Self.render(request.prompt, template)
      body["stop"] = [Self.endOfTurn(template)]
      if completionK > 0 { body["logprobs"] = completionK }
      let answer = try send("/completions", body, label: label)
      return try reading(label) {
        let choice = try OpenAIAnswers.firstChoice(answer)
        guard let text = choice["text"] as? String else { throw AnswerShapeError(detail: "choices[0].text is missing") }
        let tokens = completionK > 0 ? try OpenAIAnswers.generatedTokens(choice["logprobs"], k: completionK) : nil
        return Completion(text: text, tokens: tokens, usage: OpenAIAnswers.usage(answer))
      }
    }
    let answer = try send("/chat/completions", chatBody(request, k: chatK), label: label)
    return try reading(label) {
      let choice = try OpenAIAnswers.firstChoice(answer)
      guard let message = choice["message"] as? OpenAIAnswers.Object, let text = message["content"] as? String else {
        throw AnswerShapeError(detail: "choices[0].message.content is missing")
      }
      let tokens = chatK > 0 ? try OpenAIAnswers.generatedTokens(choice["logprobs"], k: chatK) : nil
      return Completion(text: text, tokens: tokens, usage: OpenAIAnswers.usage(answer))
    }
  }

  public func scorePrompt(_ request: PromptScoringRequest) throws -> PromptScoring {
    let label = RequestLabel.current ?? "a prompt-scoring request"
    guard let template = configuration.template else {
      throw LLMError.unsupported(
        backend: identity.description, what: "score prompt tokens without a chat template to render the prompt for /completions")
    }
    let report = try probe()
    guard let alignment = report.promptAlignment else {
      let why = report.notes.isEmpty ? "" : " (" + report.notes.joined(separator: "; ") + ")"
      throw LLMError.unsupported(backend: identity.description, what: "give prompt log-probabilities" + why)
    }
    let k = min(max(0, request.topLogprobs), report.completionTopLogprobs)
    let text = Self.render(request.prompt, template)
    // max_tokens 0 would mean "unlimited" to llama-cpp-python; the generated token is dropped.
    let body: OpenAIAnswers.Object = [
      "model": configuration.model, "prompt": text, "echo": true, "logprobs": max(1, k), "max_tokens": 1, "temperature": 0,
      "stream": false,
    ]
    let answer = try send("/completions", body, label: label)
    return try reading(label) {
      let (legacy, count) = try echoed(answer, prompt: text)
      var scored: [ScoredToken] = []
      scored.reserveCapacity(count)
      for i in 0..<count {
        let source = alignment == .samePosition ? i : i - 1
        let top = i > 0 && source >= 0 ? try OpenAIAnswers.alternatives(legacy.top[source], k: k) : []
        scored.append(ScoredToken(token: legacy.tokens[i], top: top))
      }
      return PromptScoring(tokens: scored, usage: OpenAIAnswers.usage(answer))
    }
  }

  private var currentProbe: ProbeReport? {
    probeLock.lock()
    defer { probeLock.unlock() }
    return probed
  }

  /// The legacy arrays of an echoed completion and how many of their entries are the prompt's
  /// (the rest were generated).
  private func echoed(_ answer: OpenAIAnswers.Object, prompt: String) throws -> (LegacyLogprobs, Int) {
    let choice = try OpenAIAnswers.firstChoice(answer)
    guard let lp = choice["logprobs"] as? OpenAIAnswers.Object else { throw AnswerShapeError(detail: "choices[0].logprobs is missing") }
    let legacy = try LegacyLogprobs(lp)
    var generated: Int
    if let n = OpenAIAnswers.int((answer["usage"] as? OpenAIAnswers.Object)?["completion_tokens"]) {
      generated = n
    } else if let text = choice["text"] as? String {
      generated = text == prompt ? 0 : 1
    } else {
      generated = 1
    }
    generated = min(max(0, generated), legacy.tokens.count)
    guard legacy.tokens.count - generated > 0 else { throw AnswerShapeError(detail: "the echo holds no prompt tokens") }
    return (legacy, legacy.tokens.count - generated)
  }

  // MARK: - Request bodies

  static func render(_ prompt: ChatPrompt, _ template: ChatTemplate) -> String {
    template.render(
      prompt.messages.map { (role: $0.role.rawValue, content: $0.content) }, addGenerationPrompt: !prompt.continueFinal,
      continueFinal: prompt.continueFinal)
  }

  static func endOfTurn(_ template: ChatTemplate) -> String {
    switch template.family {
    case .chatML: return "<|im_end|>"
    case .llama3: return "<|eot_id|>"
    }
  }

  private func sampled(_ s: Sampling) -> OpenAIAnswers.Object {
    // Servers take 32-bit seeds (some parse larger JSON integers as floats).
    [
      "model": configuration.model, "temperature": s.temperature, "top_p": s.topP, "max_tokens": s.maxTokens,
      "seed": Int(s.seed & 0x7FFF_FFFF), "stream": false,
    ]
  }

  private func chatBody(_ request: GenerationRequest, k: Int) -> OpenAIAnswers.Object {
    var body = sampled(request.sampling)
    body["messages"] = request.prompt.messages.map { ["role": $0.role.rawValue, "content": $0.content] }
    if k > 0 {
      body["logprobs"] = true
      body["top_logprobs"] = k
    }
    return body
  }

  // MARK: - Sending

  private enum Exchange {
    case json(OpenAIAnswers.Object)
    /// A 4xx other than 408 and 429: the request itself is wrong, so it is not sent again.
    case rejected(status: Int, excerpt: String, attempts: Int)
  }

  private func send(_ path: String, _ body: OpenAIAnswers.Object, label: String) throws -> OpenAIAnswers.Object {
    switch try exchange(path, body, label: label) {
    case .json(let answer): return answer
    case .rejected(let status, let excerpt, let attempts):
      throw LLMError.requestFailed(backend: identity.description, request: label, attempts: attempts, reason: "HTTP \(status): \(excerpt)")
    }
  }

  private func reading<T>(_ label: String, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let e as AnswerShapeError {
      throw LLMError.malformedAnswer(backend: identity.description, request: label, detail: redaction.apply(e.detail))
    }
  }

  /// Sends until an answer that is not worth retrying arrives or the retries run out.
  private func exchange(_ path: String, _ body: OpenAIAnswers.Object, label: String) throws -> Exchange {
    var components = base
    components.path += path
    guard let url = components.url else { throw LLMError.configuration("cannot form a URL from \(identity.baseURL ?? "")") }
    let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    var headers: [String: String] = [:]
    if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
    var attempts = 0
    while true {
      attempts += 1
      try Cancellation.check()
      var reason: String
      var unreadable = false
      var retryAfter: TimeInterval? = nil
      switch try client.post(url, body: data, headers: headers) {
      case .answer(let status, let fields, let answer):
        if (200..<300).contains(status) {
          if let json = (try? JSONSerialization.jsonObject(with: answer)) as? OpenAIAnswers.Object { return .json(json) }
          // Usually a body cut short; sending again tends to help.
          unreadable = true
          reason = "the body is not a JSON object: \(redaction.excerpt(answer))"
        } else if status == 408 || status == 429 || status >= 500 {
          reason = "HTTP \(status): \(redaction.excerpt(answer))"
          retryAfter = RetryPolicy.retryAfter(fields["retry-after"])
        } else {
          return .rejected(status: status, excerpt: redaction.excerpt(answer), attempts: attempts)
        }
      case .timedOut:
        reason = "no answer within \(Self.seconds(configuration.timeout))"
      case .connectionFailed(let what):
        reason = redaction.apply(what)
      }
      if attempts > configuration.retry.maxRetries {
        if unreadable {
          throw LLMError.malformedAnswer(
            backend: identity.description, request: label, detail: "\(reason) (after \(attempts) attempt\(attempts == 1 ? "" : "s"))")
        }
        throw LLMError.requestFailed(backend: identity.description, request: label, attempts: attempts, reason: reason)
      }
      ledger?.retried()
      try Self.sleep(configuration.retry.delay(retry: attempts, retryAfter: retryAfter))
    }
  }

  private static func seconds(_ t: TimeInterval) -> String {
    t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t)
  }

  /// Sleeps in short steps so Ctrl-C ends a long back-off.
  private static func sleep(_ seconds: TimeInterval) throws {
    let end = Date().addingTimeInterval(seconds)
    while true {
      try Cancellation.check()
      let left = end.timeIntervalSinceNow
      if left <= 0 { return }
      Thread.sleep(forTimeInterval: min(left, 0.1))
    }
  }
}
