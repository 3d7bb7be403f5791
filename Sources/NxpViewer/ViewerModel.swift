import Foundation
import NxpInterp

// What the viewer draws, in plain values: the runtime turns its neuron sets, records,
// explanations, simulations and scores into these, so the pages depend on nothing else.

/// Everything one viewer shows: its neurons, and what produced them.
public struct ViewerSite: Sendable {
  /// The subject model, as the records name it.
  public var model: String
  /// Every recorded neuron; each gets a page, explained or not.
  public var neurons: [ViewerNeuron]
  /// The backend and method that simulated, when scores were given (`local:smollm2-135m#..., all-at-once`).
  public var scoredBy: String?
  /// How related neurons were connected, when they were given (`gate`: SwiGLU, through the gate
  /// projection with the up projection's weight beside; `c_fc`: GPT-2).
  public var relatedThrough: String?
  /// The backend and method whose simulations were ablated, when ablations were given.
  public var ablatedBy: String?

  public init(
    model: String, neurons: [ViewerNeuron], scoredBy: String? = nil, relatedThrough: String? = nil, ablatedBy: String? = nil
  ) {
    self.model = model
    self.neurons = neurons
    self.scoredBy = scoredBy
    self.relatedThrough = relatedThrough
    self.ablatedBy = ablatedBy
  }
}

/// One neuron: its records, and its explanations when it was explained.
public struct ViewerNeuron: Sendable {
  public var id: NeuronID
  public var stats: NeuronStats
  /// Top-activating excerpts, highest first.
  public var top: [ViewerExcerpt]
  /// Samples of the quantile buckets of per-excerpt maxima, lowest bucket first; nil when the
  /// input does not keep them (a neuron set holds only its splits).
  public var quantiles: [[ViewerExcerpt]]?
  /// Uniformly drawn excerpts.
  public var random: [ViewerExcerpt]
  /// In sample order; empty when the neuron was not explained.
  public var explanations: [ViewerExplanation]
  /// True when explanations were given to the viewer at all (so "none for this neuron" can be
  /// told from "not computed").
  public var explained: Bool
  /// True when scores were given to the viewer.
  public var scored: Bool
  /// True when simulations were given to the viewer.
  public var simulated: Bool
  /// This neuron's related neurons and tokens; nil when related values were not given or do not
  /// cover this neuron (`relatedGiven` tells which).
  public var related: ViewerRelated?
  public var relatedGiven: Bool
  /// This neuron's ablation results, one per explanation sample, kept sample first.
  public var ablations: [ViewerAblation]
  public var ablated: Bool

  public init(
    id: NeuronID, stats: NeuronStats, top: [ViewerExcerpt], quantiles: [[ViewerExcerpt]]?, random: [ViewerExcerpt],
    explanations: [ViewerExplanation] = [], explained: Bool = false, scored: Bool = false, simulated: Bool = false,
    related: ViewerRelated? = nil, relatedGiven: Bool = false, ablations: [ViewerAblation] = [], ablated: Bool = false
  ) {
    self.id = id
    self.stats = stats
    self.top = top
    self.quantiles = quantiles
    self.random = random
    self.explanations = explanations
    self.explained = explained
    self.scored = scored
    self.simulated = simulated
    self.related = related
    self.relatedGiven = relatedGiven
    self.ablations = ablations
    self.ablated = ablated
  }

  /// The explanation the index lists: the one scoring kept, else the first with text.
  public var shown: ViewerExplanation? {
    explanations.first { $0.scores?.best == true } ?? explanations.first { $0.text != nil } ?? explanations.first
  }
}

/// One excerpt of a neuron's record, with the split it went to when the records were split.
public struct ViewerExcerpt: Sendable {
  public var record: ActivationRecord
  /// train, calibration, valid or test; nil for records that were not split.
  public var split: String?

  public init(record: ActivationRecord, split: String? = nil) {
    self.record = record
    self.split = split
  }
}

/// One explanation of a neuron with its scores and the simulations they were computed from.
public struct ViewerExplanation: Sendable {
  public var sample: Int
  /// nil when the explainer's reply held no explanation.
  public var text: String?
  /// `local:smollm2-135m#...`, `baseline`, `person`.
  public var source: String
  public var scores: ViewerScores?
  /// This explanation's simulated excerpts (its own, not the baselines').
  public var simulations: [ViewerSimulation]

  public init(sample: Int, text: String?, source: String, scores: ViewerScores? = nil, simulations: [ViewerSimulation] = []) {
    self.sample = sample
    self.text = text
    self.source = source
    self.scores = scores
    self.simulations = simulations
  }
}

/// The scores of one explanation, nil where undefined (a constant side, nothing simulated).
public struct ViewerScores: Sendable {
  public var score: Double?
  public var top: Double?
  public var random: Double?
  public var test: Double?
  public var rSquared: Double?
  public var absoluteDeviationExplained: Double?
  public var baseline: Double?
  public var shuffled: Double?
  public var excerpts: Int
  public var failures: Int
  /// The sample kept for its neuron.
  public var best: Bool

  public init(
    score: Double?, top: Double?, random: Double?, test: Double?, rSquared: Double?, absoluteDeviationExplained: Double?,
    baseline: Double?, shuffled: Double?, excerpts: Int, failures: Int, best: Bool
  ) {
    self.score = score
    self.top = top
    self.random = random
    self.test = test
    self.rSquared = rSquared
    self.absoluteDeviationExplained = absoluteDeviationExplained
    self.baseline = baseline
    self.shuffled = shuffled
    self.excerpts = excerpts
    self.failures = failures
    self.best = best
  }
}

/// One excerpt simulated from an explanation: the true activations beside the simulated ones.
public struct ViewerSimulation: Sendable {
  /// calibration, valid or test.
  public var split: String
  /// top or random.
  public var group: String
  public var excerpt: Int
  public var tokens: [String]
  public var real: [Float]
  /// Expected values on the simulator's scale; nil when the simulation failed.
  public var simulated: [Double]?
  public var failure: String?

  public init(
    split: String, group: String, excerpt: Int, tokens: [String], real: [Float], simulated: [Double]?, failure: String? = nil
  ) {
    self.split = split
    self.group = group
    self.excerpt = excerpt
    self.tokens = tokens
    self.real = real
    self.simulated = simulated
    self.failure = failure
  }
}
