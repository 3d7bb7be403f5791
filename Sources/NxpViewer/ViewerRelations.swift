import Foundation
import NxpInterp

// Related neurons and tokens, and ablation results, as the viewer draws them: plain values the
// runtime fills from what `related` and `ablate` returned.

/// A list ranked both ways: the strongest positive entries and the strongest negative ones.
public struct ViewerSigned<Item: Sendable>: Sendable {
  public var positive: [Item]
  public var negative: [Item]

  public init(positive: [Item], negative: [Item]) {
    self.positive = positive
    self.negative = negative
  }
}

/// A neuron connected to the page's neuron by weights.
public struct ViewerLink: Sendable {
  public var id: NeuronID
  /// Through the input projection (GPT-2's c_fc, SwiGLU's gate).
  public var weight: Float
  /// SwiGLU: the same path into the up projection.
  public var up: Float?

  public init(id: NeuronID, weight: Float, up: Float?) {
    self.id = id
    self.weight = weight
    self.up = up
  }
}

/// A token a neuron reads or writes, with its strength (or its mean activation).
public struct ViewerToken: Sendable {
  public var token: String
  public var value: Double
  /// SwiGLU input tokens: the strength into the up projection.
  public var up: Float?

  public init(token: String, value: Double, up: Float? = nil) {
    self.token = token
    self.value = value
    self.up = up
  }
}

/// One neuron's related neurons and tokens.
public struct ViewerRelated: Sendable {
  /// nil in the first layer (no earlier layer).
  public var upstream: ViewerSigned<ViewerLink>?
  /// nil in the last layer.
  public var downstream: ViewerSigned<ViewerLink>?
  public var inputTokens: ViewerSigned<ViewerToken>
  public var outputTokens: ViewerSigned<ViewerToken>
  /// Tokens by the neuron's mean activation on them; nil when `related` was given no records.
  public var activationTokens: [ViewerToken]?

  public init(
    upstream: ViewerSigned<ViewerLink>?, downstream: ViewerSigned<ViewerLink>?, inputTokens: ViewerSigned<ViewerToken>,
    outputTokens: ViewerSigned<ViewerToken>, activationTokens: [ViewerToken]?
  ) {
    self.upstream = upstream
    self.downstream = downstream
    self.inputTokens = inputTokens
    self.outputTokens = outputTokens
    self.activationTokens = activationTokens
  }
}

/// One explanation's ablation result; nil values are undefined, with the reason in `undefined`.
public struct ViewerAblation: Sendable {
  public var sample: Int
  public var score: Double?
  public var jsdSimulated: Double?
  public var jsdMean: Double?
  public var jsdZero: Double?
  /// The recorded mean activation the neuron is held at by mean-ablation.
  public var mean: Double
  public var positions: Int
  public var failures: Int
  public var best: Bool
  public var undefined: String?

  public init(
    sample: Int, score: Double?, jsdSimulated: Double?, jsdMean: Double?, jsdZero: Double?, mean: Double, positions: Int,
    failures: Int, best: Bool, undefined: String?
  ) {
    self.sample = sample
    self.score = score
    self.jsdSimulated = jsdSimulated
    self.jsdMean = jsdMean
    self.jsdZero = jsdZero
    self.mean = mean
    self.positions = positions
    self.failures = failures
    self.best = best
    self.undefined = undefined
  }
}
