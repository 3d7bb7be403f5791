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

  /// A session with room for `capacity` positions before the cache grows.
  public init(model: TransformerModel, capacity: Int = 256) {
    self.model = model
    let c = model.configuration
    cache = KVCache(layers: c.layerCount, width: c.kvHeadCount * c.headDim, capacity: max(1, min(capacity, c.contextLength)))
    logits = FloatMatrix(rows: 1, columns: c.vocabularySize)
  }

  /// Positions fed so far.
  public var position: Int { tokens.count }

  /// Forgets all fed tokens (the cache memory is kept).
  public func reset() { tokens = [] }

  /// Feeds `newTokens` and returns the logits `[V]` predicting the token after the last one.
  @discardableResult
  public func append(_ newTokens: [Int32]) throws -> [Float] {
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
      targets.logits = logits.pointer
      let segment = Segment(row: 0, count: newTokens.count, firstPosition: tokens.count, cache: cache)
      try newTokens.withUnsafeBufferPointer { buffer in
        try model.runChunk(
          tokens: buffer.baseAddress!, rows: newTokens.count, segments: [segment], lastLayer: c.layerCount - 1, targets: targets,
          workspace: workspace)
      }
    }
    tokens += newTokens
    return logits.toArray()
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
