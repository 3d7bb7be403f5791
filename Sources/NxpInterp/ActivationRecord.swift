import Foundation

// MARK: - Activation records

/// One excerpt as seen by one neuron: its tokens as text and the neuron's raw activation at each
/// token (neuron-explainer's `ActivationRecord`), plus the excerpt it came from.
public struct ActivationRecord: Hashable, Sendable, Codable {
  public var tokens: [String]
  public var activations: [Float]
  /// Index of the excerpt in the recorded corpus.
  public var excerpt: Int

  public init(tokens: [String], activations: [Float], excerpt: Int) {
    precondition(tokens.count == activations.count, "one activation per token")
    self.tokens = tokens
    self.activations = activations
    self.excerpt = excerpt
  }

  /// The largest activation over the excerpt's tokens, or -infinity for an empty record.
  public var maxActivation: Float { activations.max() ?? -.infinity }
}

// MARK: - Summary statistics

/// Moments of a neuron's activation over every recorded token, and the boundaries of the
/// quantile buckets of its per-excerpt maxima.
///
/// The moments follow scipy.stats' defaults: `variance` is the population variance m2 (divided
/// by n, not n-1), `skewness` is m3 / m2^1.5 and `kurtosis` is the excess kurtosis m4 / m2^2 - 3,
/// where mk is the k-th central moment (mean of (x - mean)^k). Skewness and kurtosis are NaN when
/// the variance is 0, as scipy returns.
public struct NeuronStats: Hashable, Sendable, Codable {
  public var mean: Double
  public var variance: Double
  public var skewness: Double
  public var kurtosis: Double
  /// Largest activation seen over all excerpts (the first top record's maximum).
  public var maxActivation: Float
  /// Quantile levels of the per-excerpt maxima, e.g. [0, 0.5, 0.9, 0.99, 0.999].
  public var quantileLevels: [Double]
  /// The estimated per-excerpt-maximum value at each level (one more than there are buckets).
  public var quantileBoundaries: [Float]

  public init(
    mean: Double, variance: Double, skewness: Double, kurtosis: Double, maxActivation: Float,
    quantileLevels: [Double], quantileBoundaries: [Float]
  ) {
    self.mean = mean
    self.variance = variance
    self.skewness = skewness
    self.kurtosis = kurtosis
    self.maxActivation = maxActivation
    self.quantileLevels = quantileLevels
    self.quantileBoundaries = quantileBoundaries
  }

  public static func == (a: NeuronStats, b: NeuronStats) -> Bool {
    // Bitwise, so NaN moments of a constant neuron compare equal to themselves.
    a.mean.bitPattern == b.mean.bitPattern && a.variance.bitPattern == b.variance.bitPattern
      && a.skewness.bitPattern == b.skewness.bitPattern && a.kurtosis.bitPattern == b.kurtosis.bitPattern
      && a.maxActivation.bitPattern == b.maxActivation.bitPattern && a.quantileLevels == b.quantileLevels
      && a.quantileBoundaries.map(\.bitPattern) == b.quantileBoundaries.map(\.bitPattern)
  }

  public func hash(into h: inout Hasher) {
    h.combine(mean.bitPattern)
    h.combine(maxActivation.bitPattern)
  }
}

// MARK: - Neuron record

/// Everything kept for one neuron, with the fields of neuron-explainer's `NeuronRecord`.
public struct NeuronRecord: Hashable, Sendable, Codable {
  public var id: NeuronID
  /// The top excerpts by maximum activation, highest first (ties: lower excerpt index first).
  public var mostPositiveActivationRecords: [ActivationRecord]
  /// A uniform random sample of excerpts, drawn independently for each neuron, in random order.
  public var randomSample: [ActivationRecord]
  /// For each quantile bucket of the per-excerpt maxima, a uniform sample of its excerpts.
  public var randomSampleByQuantile: [[ActivationRecord]]
  public var stats: NeuronStats

  public init(
    id: NeuronID, mostPositiveActivationRecords: [ActivationRecord], randomSample: [ActivationRecord],
    randomSampleByQuantile: [[ActivationRecord]], stats: NeuronStats
  ) {
    self.id = id
    self.mostPositiveActivationRecords = mostPositiveActivationRecords
    self.randomSample = randomSample
    self.randomSampleByQuantile = randomSampleByQuantile
    self.stats = stats
  }

  public var quantileBoundaries: [Float] { stats.quantileBoundaries }
  public var mean: Double { stats.mean }
  public var variance: Double { stats.variance }
  public var skewness: Double { stats.skewness }
  public var kurtosis: Double { stats.kurtosis }
}
