import Foundation
import NxpCore
import NxpTensor

/// Incremental decoding with a key/value cache: feed tokens in pieces and get the next-token
/// logits after each piece, without recomputing earlier positions.
public final class DecodeSession: @unchecked Sendable {
  /// The model the session decodes with.
  public let model: TransformerModel
  /// Every token fed so far.
  public private(set) var tokens: [Int32] = []
  private let cache: KVCache
  private let workspace = Workspace()
  /// `[1, V]` logits of the last fed token.
  private let logits: FloatMatrix
  /// `[k, V]` logits of the rows of the last piece that were asked for.
  private let selectedLogits: FloatMatrix
  /// Scratch caches of `feedBranches`, one per branch, kept to avoid reallocating.
  private var branchCaches: [KVCache] = []

  /// A session with room for `capacity` positions before the cache grows.
  public init(model: TransformerModel, capacity: Int = 256) {
    self.model = model
    let c = model.configuration
    cache = KVCache(layers: c.layerCount, width: c.kvHeadCount * c.headDim, capacity: max(1, min(capacity, c.contextLength)))
    logits = FloatMatrix(rows: 1, columns: c.vocabularySize)
    selectedLogits = FloatMatrix(rows: 0, columns: c.vocabularySize)
  }

  /// Positions fed so far.
  public var position: Int { tokens.count }

  /// Forgets all fed tokens (the cache memory is kept).
  public func reset() { tokens = [] }

  /// Forgets the tokens after the first `count`; their cached keys and values are overwritten by
  /// the next `append`. What a new prompt shares with the last one need not be fed again.
  public func truncate(to count: Int) {
    if count < tokens.count { tokens.removeLast(tokens.count - max(0, count)) }
  }

  /// Feeds `prompt`, reusing the cached positions of the longest prefix it shares with the tokens
  /// fed so far (at least its last token is fed again, to have its logits). Returns the logits
  /// `[V]` predicting the token after the prompt, and how many positions were reused.
  public func feed(sharing prompt: [Int32]) throws -> (logits: [Float], reused: Int) {
    let shared = share(prompt)
    return (try run(Array(prompt[shared...]), rows: nil).toArray(), shared)
  }

  /// Feeds `prompt` like `feed(sharing:)` and returns the logits `[k, V]` after each of
  /// the prompt positions `positions` (ascending) that were fed; `fedFrom` is the first position
  /// fed, earlier ones were reused and have none.
  public func feed(sharing prompt: [Int32], logitsAt positions: [Int]) throws -> (logits: FloatMatrix, positions: [Int], fedFrom: Int) {
    let shared = share(prompt)
    let rest = Array(prompt[shared...])
    let kept = positions.filter { $0 >= shared && $0 < prompt.count }
    let out = try run(rest, rows: kept.map { $0 - shared })
    return (out, kept, shared)
  }

  /// Keeps the longest prefix of the fed tokens that `prompt` starts with (leaving at least its
  /// last token to feed) and returns its length.
  private func share(_ prompt: [Int32]) -> Int {
    var shared = 0
    let limit = min(prompt.count - 1, tokens.count)
    while shared < limit && tokens[shared] == prompt[shared] { shared += 1 }
    truncate(to: shared)
    return shared
  }

  /// Runs each of `suffixes` as a continuation of the tokens fed so far, all of them in one
  /// batch, and returns the logits of the rows `logitsAt[i]` (indices within suffix i, ascending)
  /// as one matrix, branch after branch, with `starts[i]` the first row of branch i. The shared
  /// prefix is computed once; each branch attends to a copy of its keys and values. The session
  /// itself is unchanged: the branches are forgotten afterwards.
  public func feedBranches(_ suffixes: [[Int32]], logitsAt: [[Int]]) throws -> (logits: FloatMatrix, starts: [Int]) {
    let c = model.configuration
    precondition(suffixes.count == logitsAt.count, "one list of rows per suffix")
    let prefix = tokens.count
    var rowsAsked: [Int] = []
    var starts: [Int] = []
    var segments: [Segment] = []
    var flat: [Int32] = []
    while branchCaches.count < suffixes.count {
      branchCaches.append(KVCache(layers: c.layerCount, width: c.kvHeadCount * c.headDim, capacity: 1))
    }
    for (i, suffix) in suffixes.enumerated() {
      guard !suffix.isEmpty else { throw ModelError.emptySequence(index: i) }
      let end = prefix + suffix.count
      guard end <= c.contextLength else { throw ModelError.sequenceTooLong(length: end, limit: c.contextLength) }
      for t in suffix where t < 0 || Int(t) >= c.vocabularySize {
        throw ModelError.tokenOutOfRange(token: t, vocabularySize: c.vocabularySize)
      }
      precondition(logitsAt[i].allSatisfy { $0 >= 0 && $0 < suffix.count }, "logits asked for a row outside its suffix")
      starts.append(rowsAsked.count)
      rowsAsked += logitsAt[i].map { flat.count + $0 }
      segments.append(Segment(row: flat.count, count: suffix.count, firstPosition: prefix, cache: branchCaches[i]))
      flat += suffix
    }
    guard !flat.isEmpty else { return (FloatMatrix(rows: 0, columns: c.vocabularySize), starts) }
    try ComputeLock.run {
      _ = try model.outputHead()
      model.rotary?.reserve(prefix + suffixes.map(\.count).max()!)
      for (i, suffix) in suffixes.enumerated() {
        let branch = branchCaches[i]
        branch.reserve(prefix + suffix.count, used: 0)
        // Keys and values of the shared prefix, copied so each branch appends its own.
        for l in 0..<c.layerCount {
          branch.keys[l].pointer.update(from: cache.keys[l].pointer, count: prefix * cache.width)
          branch.values[l].pointer.update(from: cache.values[l].pointer, count: prefix * cache.width)
        }
      }
      BLAS.threads = model.threads
      selectedLogits.reshape(rows: rowsAsked.count, columns: c.vocabularySize)
      var targets = ChunkTargets()
      targets.logits = selectedLogits.pointer
      targets.logitRows = rowsAsked
      try flat.withUnsafeBufferPointer { buffer in
        try model.runChunk(
          tokens: buffer.baseAddress!, rows: flat.count, segments: segments, lastLayer: c.layerCount - 1, targets: targets,
          workspace: workspace)
      }
    }
    return (selectedLogits, starts)
  }

  /// Feeds `newTokens` and returns the logits `[V]` predicting the token after the last one.
  @discardableResult
  public func append(_ newTokens: [Int32]) throws -> [Float] {
    try run(newTokens, rows: nil).toArray()
  }

  /// Feeds `newTokens`; the logits of the given new rows (`[rows.count, V]`), or with no rows
  /// given of the last one (`[1, V]`).
  private func run(_ newTokens: [Int32], rows: [Int]?) throws -> FloatMatrix {
    let c = model.configuration
    guard !newTokens.isEmpty else { throw ModelError.emptySequence(index: 0) }
    let end = tokens.count + newTokens.count
    guard end <= c.contextLength else { throw ModelError.sequenceTooLong(length: end, limit: c.contextLength) }
    for t in newTokens where t < 0 || Int(t) >= c.vocabularySize {
      throw ModelError.tokenOutOfRange(token: t, vocabularySize: c.vocabularySize)
    }
    try ComputeLock.run {
      _ = try model.outputHead()
      model.rotary?.reserve(end)
      cache.reserve(end, used: tokens.count)
      BLAS.threads = model.threads
      var targets = ChunkTargets()
      if let rows {
        selectedLogits.reshape(rows: rows.count, columns: c.vocabularySize)
        targets.logits = selectedLogits.pointer
        targets.logitRows = rows
      } else {
        targets.logits = logits.pointer
      }
      let segment = Segment(row: 0, count: newTokens.count, firstPosition: tokens.count, cache: cache)
      try newTokens.withUnsafeBufferPointer { buffer in
        try model.runChunk(
          tokens: buffer.baseAddress!, rows: newTokens.count, segments: [segment], lastLayer: c.layerCount - 1, targets: targets,
          workspace: workspace)
      }
    }
    tokens += newTokens
    return rows == nil ? logits : selectedLogits
  }
}

/// How `generate` picks tokens.
public struct GenerationOptions: Sendable, Equatable {
  /// Most new tokens to produce.
  public var maxTokens: Int
  /// 0 picks the most likely token (greedy); above 0 samples from softmax(logits / temperature).
  public var temperature: Float
  /// When set, sampling keeps only the k most likely tokens.
  public var topK: Int?
  /// Seed of the sampler, so sampled output is reproducible.
  public var seed: UInt64
  /// Generation stops after producing any of these (it is included in the result). Nil means
  /// the model's end-of-sequence token.
  public var stopTokens: Set<Int32>?

  public init(maxTokens: Int = 64, temperature: Float = 0, topK: Int? = nil, seed: UInt64 = 0, stopTokens: Set<Int32>? = nil) {
    self.maxTokens = maxTokens
    self.temperature = temperature
    self.topK = topK
    self.seed = seed
    self.stopTokens = stopTokens
  }
}

extension TransformerModel {
  /// The logits `[V]` for the token following `tokens`.
  public func nextTokenLogits(_ tokens: [Int32]) throws -> [Float] {
    let out = try forward([tokens], request: ForwardRequest(logits: .lastOfEachSequence))
    return out.logits!.toArray()
  }

  /// Continues `prompt` by up to `options.maxTokens` tokens and returns the new tokens. Stops
  /// early at a stop token, at the context length, or (throwing `Interrupted`) on Ctrl-C.
  public func generate(prompt: [Int32], options: GenerationOptions = GenerationOptions()) throws -> [Int32] {
    let session = DecodeSession(model: self, capacity: prompt.count + options.maxTokens)
    var sampler = TokenSampler(temperature: options.temperature, topK: options.topK, seed: options.seed)
    let stops = options.stopTokens ?? configuration.eosTokenID.map { [$0] } ?? []
    var produced: [Int32] = []
    guard options.maxTokens > 0 else { return [] }
    var logits = try session.append(prompt)
    while produced.count < options.maxTokens {
      try Cancellation.check()
      let next = sampler.pick(logits)
      produced.append(next)
      if stops.contains(next) || produced.count == options.maxTokens || session.position >= configuration.contextLength { break }
      logits = try session.append([next])
    }
    return produced
  }
}
