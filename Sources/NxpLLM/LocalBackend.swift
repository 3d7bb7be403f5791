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
  /// Excerpts of one neuron scored in one batch: enough rows to keep the matrix products
  /// efficient (about 100-200 tokens each), few enough that the branches' caches stay small.
  public var promptBatch = LocalBackend.defaultPromptBatch
  public static let defaultPromptBatch = 8
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
    let plan = try scoringPlan(request)
    lock.lock()
    defer { lock.unlock() }
    if !reusesPrefix { session.reset() }
    // Row j of the logits is the distribution after position positions[j], predicting the next token.
    if let p = plan.needed.first { session.truncate(to: p - 1) }
    let out = try session.feed(sharing: plan.ids, logitsAt: plan.needed.map { $0 - 1 })
    fedTokens += plan.ids.count - out.fedFrom
    reusedTokens += out.fedFrom
    return plan.scoring(out.logits, firstRow: 0, positions: out.positions)
  }

  /// Several prompts at once: the longest prefix they all share is fed once (or reused from the
  /// previous request), then their remaining tokens run as one batch, each branch attending to
  /// the shared prefix. Same answers as one `scorePrompt` per request, to rounding.
  public func scorePrompts(_ requests: [PromptScoringRequest]) throws -> [PromptScoring] {
    guard requests.count > 1 else { return try requests.map(scorePrompt) }
    let plans = try requests.map(scoringPlan)
    // The shared prefix stops before the first position whose logits any prompt needs.
    var shared = plans.map { min($0.ids.count - 1, ($0.needed.first ?? $0.ids.count) - 1) }.min()!
    let first = plans[0].ids
    for plan in plans.dropFirst() {
      var k = 0
      while k < shared && plan.ids[k] == first[k] { k += 1 }
      shared = k
    }
    lock.lock()
    defer { lock.unlock() }
    if !reusesPrefix { session.reset() }
    var reusedOfPrefix = 0
    if shared > 0 {
      let prefix = Array(first[..<shared])
      reusedOfPrefix = try session.feed(sharing: prefix, logitsAt: []).fedFrom
    } else {
      session.reset()
    }
    let out = try session.feedBranches(
      plans.map { Array($0.ids[shared...]) }, logitsAt: plans.map { $0.needed.map { $0 - 1 - shared } })
    fedTokens += (shared - reusedOfPrefix) + plans.reduce(0) { $0 + $1.ids.count - shared }
    reusedTokens += plans.count * shared - (shared - reusedOfPrefix)
    return plans.enumerated().map { i, plan in
      plan.scoring(out.logits, firstRow: out.starts[i], positions: plan.needed.map { $0 - 1 })
    }
  }

  /// What one scoring request needs: its tokens, and the positions whose predicting
  /// distribution is read (from the marker's token on, and with `onlyAfter` only right after a
  /// token ending in that text).
  struct ScoringPlan {
    var ids: [Int32]
    var pieces: [String]
    var needed: [Int]
    var topLogprobs: Int
    var candidates: [Int32]
    var alternatives: ([Float], Int, [Int32]) -> [TokenLogprob]

    /// The answer, from logits whose rows `firstRow...` follow prompt positions `positions`.
    func scoring(_ logits: FloatMatrix, firstRow: Int, positions: [Int]) -> PromptScoring {
      var rowOf: [Int: Int] = [:]
      for (j, p) in positions.enumerated() { rowOf[p + 1] = firstRow + j }
      var scored: [ScoredToken] = []
      scored.reserveCapacity(ids.count)
      for (i, piece) in pieces.enumerated() {
        var top: [TokenLogprob] = []
        if let r = rowOf[i] {
          let lp = LogSoftmax.of(logits.pointer + r * logits.columns, count: logits.columns)
          top = alternatives(lp, topLogprobs, candidates)
        }
        scored.append(ScoredToken(token: piece, top: top))
      }
      return PromptScoring(tokens: scored, usage: Usage(promptTokens: ids.count))
    }
  }

  func scoringPlan(_ request: PromptScoringRequest) throws -> ScoringPlan {
    let text = render(request.prompt)
    let ids = try tokens(text)
    let pieces = ids.map { tokenizer.decode([$0]) }
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
    return ScoringPlan(
      ids: ids, pieces: pieces, needed: needed, topLogprobs: request.topLogprobs, candidates: candidateIDs(request.candidates),
      alternatives: { [unowned self] in self.alternatives($0, $1, $2) })
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
