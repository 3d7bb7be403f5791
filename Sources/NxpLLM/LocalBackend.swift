import Foundation
import NxpCore
import NxpFormats
import NxpInterp
import NxpModels
import NxpTensor
import NxpTokenizer

/// A chat model run by nxp's own engine (offline). One model, one request at a time; the
/// key/value cache of the last prompt is kept, so a prompt that starts like the previous one
/// (the same system text and worked examples, the same neuron's explanation) only feeds its new
/// tokens.
public final class LocalBackend: LLMBackend, @unchecked Sendable {
  public let identity: BackendIdentity
  public let concurrency = 1
  public let template: ChatTemplate
  private let model: TransformerModel
  private let tokenizer: BPETokenizer
  private let lock = NSLock()
  private let session: DecodeSession
  /// Off: every prompt is fed from its first token (for measuring what reuse gains).
  public var reusesPrefix = true
  /// Tokens fed through the model and tokens whose cached state was reused, over all requests.
  public private(set) var fedTokens = 0
  public private(set) var reusedTokens = 0
  /// Tokens that end a turn: generation stops after any of them.
  private let stopTokens: Set<Int32>

  /// `identityModel` names the model in cache keys (a name and the weights' content hash).
  public init(model: TransformerModel, template: ChatTemplate, identityModel: String) throws {
    guard let tokenizer = try model.tokenizer() else {
      throw LLMError.configuration("model \(model.name) has no tokenizer, so it cannot be used as a chat model")
    }
    self.model = model
    self.tokenizer = tokenizer
    self.template = template
    identity = BackendIdentity(kind: "local", model: identityModel)
    session = DecodeSession(model: model, capacity: 2048)
    var stops = Set<Int32>()
    if let eos = model.configuration.eosTokenID { stops.insert(eos) }
    for name in ["<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>"] {
      if let id = tokenizer.id(of: name) { stops.insert(id) }
    }
    stopTokens = stops
  }

  /// The chat template a model file declares (GGUF metadata `tokenizer.chat_template`, or
  /// `tokenizer_config.json` beside safetensors). A model without one cannot chat.
  public static func chatTemplate(of location: ModelLocation) throws -> ChatTemplate {
    let text: String?
    switch location {
    case .gguf(let path):
      text = try GGUFFile(path: path).metadata["tokenizer.chat_template"]?.string
    case .huggingFace(let dir):
      let data = FileManager.default.contents(atPath: dir + "/tokenizer_config.json")
      let json = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
      text = json?["chat_template"] as? String
    }
    guard let text else {
      throw LLMError.configuration("the model has no chat template in its files, so nxp cannot lay out a conversation for it")
    }
    do {
      return try ChatTemplate(jinja: text)
    } catch let e as ChatTemplate.UnknownTemplate {
      throw LLMError.configuration(e.description)
    }
  }

  public func capabilities() throws -> BackendCapabilities {
    BackendCapabilities(promptLogprobs: true, generatedTopLogprobs: 20, continuesFinalMessage: true)
  }

  /// The prompt as the model reads it.
  public func render(_ prompt: ChatPrompt) -> String {
    template.render(
      prompt.messages.map { (role: $0.role.rawValue, content: $0.content) }, addGenerationPrompt: !prompt.continueFinal,
      continueFinal: prompt.continueFinal)
  }

  private func tokens(_ prompt: ChatPrompt) throws -> [Int32] {
    try tokens(render(prompt))
  }

  private func tokens(_ text: String) throws -> [Int32] {
    let ids = tokenizer.encode(text, addSpecialTokens: false)
    guard !ids.isEmpty else { throw LLMError.configuration("an empty prompt was given to \(identity)") }
    let limit = model.configuration.contextLength
    guard ids.count < limit else {
      throw LLMError.requestFailed(
        backend: identity.description, request: "a prompt of \(ids.count) tokens", attempts: 1,
        reason: "it is longer than the model's context of \(limit) tokens")
    }
    return ids
  }

  public func generate(_ request: GenerationRequest) throws -> Completion {
    let ids = try tokens(request.prompt)
    lock.lock()
    defer { lock.unlock() }
    let s = request.sampling
    var sampler = TokenSampler(temperature: Float(s.temperature), topP: s.topP < 1 ? Float(s.topP) : nil, seed: s.seed)
    if !reusesPrefix { session.reset() }
    let fed = try session.feed(sharing: ids)
    fedTokens += ids.count - fed.reused
    reusedTokens += fed.reused
    var row = fed.logits
    let candidates = candidateIDs(request.candidates)
    var produced: [Int32] = []
    var generated: [GeneratedToken] = []
    let room = model.configuration.contextLength - ids.count
    while produced.count < min(s.maxTokens, room) {
      try Cancellation.check()
      let next = sampler.pick(row)
      if request.topLogprobs > 0 {
        let lp = row.withUnsafeBufferPointer { LogSoftmax.of($0.baseAddress!, count: $0.count) }
        generated.append(
          GeneratedToken(
            token: tokenizer.decode([next]), logprob: Double(lp[Int(next)]),
            top: alternatives(lp, request.topLogprobs, candidates)))
      }
      if stopTokens.contains(next) { break }
      produced.append(next)
      if produced.count == min(s.maxTokens, room) { break }
      row = try session.append([next])
      fedTokens += 1
    }
    return Completion(
      text: tokenizer.decode(produced), tokens: request.topLogprobs > 0 ? generated : nil,
      usage: Usage(promptTokens: ids.count, completionTokens: generated.isEmpty ? produced.count : generated.count))
  }

  public func scorePrompt(_ request: PromptScoringRequest) throws -> PromptScoring {
    let text = render(request.prompt)
    let ids = try tokens(text)
    let pieces = ids.map { tokenizer.decode([$0]) }
    // Tokens that need the distribution predicting them: from the marker's token on, and (with
    // `onlyAfter`) only those right after a token ending in that text.
    var first = 1
    if let marker = request.scoreFrom, let r = text.range(of: marker, options: .backwards) {
      let markerByte = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
      var end = 0
      first = ids.count
      for (i, id) in ids.enumerated() {
        end += tokenizer.tokenBytes(id).count
        if end > markerByte {
          first = max(1, i)
          break
        }
      }
    }
    let needed = (first..<ids.count).filter { i in request.onlyAfter.map { pieces[i - 1].hasSuffix($0) } ?? true }
    let candidates = candidateIDs(request.candidates)
    lock.lock()
    defer { lock.unlock() }
    if !reusesPrefix { session.reset() }
    // Row j of the logits is the distribution after position positions[j], predicting the next token.
    if let p = needed.first { session.truncate(to: p - 1) }
    let out = try session.feed(sharing: ids, logitsAt: needed.map { $0 - 1 })
    fedTokens += ids.count - out.fedFrom
    reusedTokens += out.fedFrom
    var rowOf: [Int: Int] = [:]
    for (j, p) in out.positions.enumerated() { rowOf[p + 1] = j }
    var scored: [ScoredToken] = []
    scored.reserveCapacity(ids.count)
    for (i, piece) in pieces.enumerated() {
      var top: [TokenLogprob] = []
      if let r = rowOf[i] {
        let lp = LogSoftmax.of(out.logits.pointer + r * out.logits.columns, count: out.logits.columns)
        top = alternatives(lp, request.topLogprobs, candidates)
      }
      scored.append(ScoredToken(token: piece, top: top))
    }
    return PromptScoring(tokens: scored, usage: Usage(promptTokens: ids.count))
  }
}

extension LocalBackend {
  /// Ids of candidate tokens that are one token each (others cannot be read at one position).
  func candidateIDs(_ candidates: [String]) -> [Int32] {
    candidates.compactMap { c in
      let ids = tokenizer.encode(c, addSpecialTokens: false, parseSpecial: false)
      return ids.count == 1 ? ids[0] : nil
    }
  }

  /// The top `k` alternatives, then each candidate not among them.
  func alternatives(_ lp: [Float], _ k: Int, _ candidates: [Int32]) -> [TokenLogprob] {
    let top = LogSoftmax.top(lp, k)
    let shown = Set(top.map(\.id))
    return (top + candidates.filter { !shown.contains($0) }.map { ($0, lp[Int($0)]) }).map {
      TokenLogprob(tokenizer.decode([$0.id]), Double($0.logprob))
    }
  }
}

/// Log-probabilities from logits, and the most likely of them.
enum LogSoftmax {
  static func of(_ logits: UnsafePointer<Float>, count n: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: n) { out, initialized in
      Softmax.logSoftmax(logits, into: out.baseAddress!, count: n)
      initialized = n
    }
  }

  /// The k largest, largest first (ties by lower id).
  static func top(_ lp: [Float], _ k: Int) -> [(id: Int32, logprob: Float)] {
    guard k > 0 else { return [] }
    var best: [(id: Int32, logprob: Float)] = []
    best.reserveCapacity(k + 1)
    for (i, v) in lp.enumerated() {
      if best.count == k, let last = best.last, v <= last.logprob { continue }
      var j = best.count
      while j > 0 && best[j - 1].logprob < v { j -= 1 }
      best.insert((Int32(i), v), at: j)
      if best.count > k { best.removeLast() }
    }
    return best
  }
}
