import Foundation
import NxpCore

// MARK: - Per-layer arrays

/// The records of one layer as dense arrays, neuron-major. Missing entries (fewer excerpts than
/// slots) have excerpt id -1, maximum -infinity and activations 0.
public struct LayerRecords: Sendable {
  public var layer: Int
  public var neurons: Int
  /// [neurons, K]: top excerpts, highest maximum first, ties by lower excerpt id.
  public var topIDs: [Int32]
  /// [neurons, K]: their maximum activation.
  public var topMax: [Float]
  /// [neurons, K, T]: their activation at every token.
  public var topActs: [Float]
  /// [neurons, R]: the random sample, in random (key) order.
  public var randomIDs: [Int32]
  /// [neurons, R, T]
  public var randomActs: [Float]
  /// [neurons, B, Q]: samples of each quantile bucket, in random (key) order.
  public var quantileIDs: [Int32]
  /// [neurons, B, Q, T]
  public var quantileActs: [Float]
  /// [neurons, B]: 1 where the bucket's sample is exactly its Q smallest-key members, 0 where
  /// the streaming approximation had to fill it (see `QuantileSampling`).
  public var quantileExact: [Int32]
  /// [neurons, B + 1]: estimated per-excerpt-maximum value at each quantile level.
  public var quantileBoundaries: [Float]
  /// [neurons] each: moments over all tokens (see `NeuronStats` for the definitions).
  public var mean: [Double]
  public var variance: [Double]
  public var skewness: [Double]
  public var kurtosis: [Double]
}

// MARK: - All layers

/// What `RecordAccumulator.finish()` returns: per-layer arrays of every neuron's records, plus the
/// configuration they were recorded with. Convertible to and from named flat arrays
/// (`flattened()`, `init(arrays:metadata:)`) so a cache can store them as safetensors.
public struct NeuronRecords: Sendable {
  public var configuration: RecordConfiguration
  /// Excerpts that went into the records (N when the recording ran to the end).
  public var excerptsRecorded: Int
  public var layers: [LayerRecords]

  public init(configuration: RecordConfiguration, excerptsRecorded: Int, layers: [LayerRecords]) {
    self.configuration = configuration
    self.excerptsRecorded = excerptsRecorded
    self.layers = layers
  }

  public func layer(_ l: Int) -> LayerRecords? { layers.first { $0.layer == l } }

  /// Every neuron, layer by layer in the configured order, then by index.
  public var neuronIDs: [NeuronID] {
    layers.flatMap { l in (0..<l.neurons).map { NeuronID(layer: l.layer, index: $0) } }
  }

  public func contains(_ id: NeuronID) -> Bool {
    guard let l = layer(id.layer) else { return false }
    return id.index >= 0 && id.index < l.neurons
  }

  // MARK: - One neuron

  public func stats(of id: NeuronID) -> NeuronStats {
    let l = layer(id.layer)!
    let c = configuration
    let j = id.index
    let nb = c.bucketCount
    return NeuronStats(
      mean: l.mean[j], variance: l.variance[j], skewness: l.skewness[j], kurtosis: l.kurtosis[j],
      maxActivation: l.topMax[j * c.top], quantileLevels: c.quantileLevels,
      quantileBoundaries: Array(l.quantileBoundaries[(j * (nb + 1))..<((j + 1) * (nb + 1))]))
  }

  /// The top records of a neuron, highest first, without token text.
  public func topRecords(of id: NeuronID) -> [(excerpt: Int, activations: ArraySlice<Float>)] {
    let l = layer(id.layer)!
    let k = configuration.top
    let t = configuration.tokensPerExcerpt
    return (0..<k).compactMap { s in
      let i = id.index * k + s
      guard l.topIDs[i] >= 0 else { return nil }
      return (Int(l.topIDs[i]), l.topActs[(i * t)..<((i + 1) * t)])
    }
  }

  /// The random sample of a neuron, in random order, without token text.
  public func randomRecords(of id: NeuronID) -> [(excerpt: Int, activations: ArraySlice<Float>)] {
    let l = layer(id.layer)!
    let r = configuration.random
    let t = configuration.tokensPerExcerpt
    return (0..<r).compactMap { s in
      let i = id.index * r + s
      guard l.randomIDs[i] >= 0 else { return nil }
      return (Int(l.randomIDs[i]), l.randomActs[(i * t)..<((i + 1) * t)])
    }
  }

  /// The quantile samples of a neuron, one list per bucket, without token text.
  public func quantileRecords(of id: NeuronID) -> [[(excerpt: Int, activations: ArraySlice<Float>)]] {
    let l = layer(id.layer)!
    let nb = configuration.bucketCount
    let q = configuration.perQuantile
    let t = configuration.tokensPerExcerpt
    return (0..<nb).map { b in
      (0..<q).compactMap { s in
        let i = (id.index * nb + b) * q + s
        guard l.quantileIDs[i] >= 0 else { return nil }
        return (Int(l.quantileIDs[i]), l.quantileActs[(i * t)..<((i + 1) * t)])
      }
    }
  }

  /// The full `NeuronRecord` of one neuron, with token text from `tokens`.
  public func record(of id: NeuronID, tokens: ExcerptTokens) -> NeuronRecord {
    func make(_ r: (excerpt: Int, activations: ArraySlice<Float>)) -> ActivationRecord {
      ActivationRecord(
        tokens: tokens.tokens(ofExcerpt: r.excerpt), activations: Array(r.activations), excerpt: r.excerpt)
    }
    return NeuronRecord(
      id: id, mostPositiveActivationRecords: topRecords(of: id).map(make),
      randomSample: randomRecords(of: id).map(make),
      randomSampleByQuantile: quantileRecords(of: id).map { $0.map(make) }, stats: stats(of: id))
  }
}

// MARK: - Token text

/// The token ids of every recorded excerpt and how to print a token, used to turn records into
/// `ActivationRecord`s with text.
public struct ExcerptTokens: Sendable {
  public let tokensPerExcerpt: Int
  /// Flat [N, T] token ids.
  public let ids: [Int32]
  public let text: @Sendable (Int32) -> String

  public init(ids: [Int32], tokensPerExcerpt: Int, text: @escaping @Sendable (Int32) -> String) {
    precondition(tokensPerExcerpt > 0 && ids.count % tokensPerExcerpt == 0, "ids must be whole excerpts")
    self.ids = ids
    self.tokensPerExcerpt = tokensPerExcerpt
    self.text = text
  }

  public var excerptCount: Int { ids.count / tokensPerExcerpt }

  public func tokens(ofExcerpt e: Int) -> [String] {
    ids[(e * tokensPerExcerpt)..<((e + 1) * tokensPerExcerpt)].map(text)
  }
}
