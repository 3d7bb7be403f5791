import Foundation
import NxpCore

/// What a recording keeps: which layers, the shape of the activations handed in, and how many
/// excerpts of each kind are kept per neuron.
public struct RecordConfiguration: Hashable, Sendable, Codable {
  /// Layers recorded, in the order given.
  public var layers: [Int]
  /// MLP width: 1536 for SmolLM2-135M, 3072 for GPT-2 small.
  public var neuronsPerLayer: Int
  /// Tokens per excerpt (T), 64 in the paper.
  public var tokensPerExcerpt: Int
  /// Number of excerpts (N) the recording will see; excerpt ids run over 0..<N.
  public var excerptCount: Int
  /// Top excerpts kept per neuron (K).
  public var top: Int
  /// Uniform random excerpts kept per neuron (R).
  public var random: Int
  /// Excerpts kept per quantile bucket (Q).
  public var perQuantile: Int
  /// Quantile levels of the per-excerpt maximum whose consecutive pairs are the buckets;
  /// the default gives [0,0.5], [0.5,0.9], [0.9,0.99], [0.99,0.999] as in the paper's viewer.
  public var quantileLevels: [Double]
  /// Seed of the random and quantile samples.
  public var seed: UInt64

  public static let defaultQuantileLevels: [Double] = [0, 0.5, 0.9, 0.99, 0.999]

  public init(
    layers: [Int], neuronsPerLayer: Int, tokensPerExcerpt: Int = 64, excerptCount: Int, top: Int = 20,
    random: Int = 20, perQuantile: Int = 4, quantileLevels: [Double] = RecordConfiguration.defaultQuantileLevels,
    seed: UInt64 = 0
  ) {
    self.layers = layers
    self.neuronsPerLayer = neuronsPerLayer
    self.tokensPerExcerpt = tokensPerExcerpt
    self.excerptCount = excerptCount
    self.top = top
    self.random = random
    self.perQuantile = perQuantile
    self.quantileLevels = quantileLevels
    self.seed = seed
  }

  // MARK: - Derived sizes

  /// Number of quantile buckets.
  public var bucketCount: Int { max(0, quantileLevels.count - 1) }

  /// Candidates held per quantile bucket while streaming (see `QuantileSampling`).
  public var candidatesPerBucket: Int { perQuantile * QuantileSampling.capacityFactor }

  public var neuronCount: Int { layers.count * neuronsPerLayer }

  /// Bytes of accumulator state per neuron; it does not depend on the number of excerpts:
  ///
  ///     top:       K * (4T + 8) + 16       activations, maximum, excerpt id; count, worst slot,
  ///                                         its maximum and id
  ///     random:    R * (4T + 8) + 16       activations, priority key; count, worst slot, its key
  ///     quantile:  B * (C * (4T + 16) + 28) activations, priority and value keys per candidate;
  ///                                         count, threshold, window per bucket (C = 4Q)
  ///     sketch:    4S + 4S/32 + 16          S = 1024 histogram bins and block sums; offset,
  ///                                         flags, exact minimum and maximum
  ///     moments:   32,  hash seed: 8
  ///
  /// With T = 64, K = R = 20, Q = 4 and 4 buckets this is 32,392 bytes: 1.49 GB for all
  /// 46,080 SmolLM2-135M neurons, 1.19 GB for GPT-2 small's 36,864.
  ///
  /// `Int.max` when the figure does not fit in 64 bits (see `checkedStateBytesPerNeuron`).
  public var stateBytesPerNeuron: Int { checkedStateBytesPerNeuron ?? .max }

  /// `stateBytesPerNeuron` computed with overflow-checked arithmetic: nil if it overflows.
  public var checkedStateBytesPerNeuron: Int? {
    var c = Checked(tokensPerExcerpt)
    let t = c
    let topBytes = Checked(top) * (4 * t + 8) + 16
    let randomBytes = Checked(random) * (4 * t + 8) + 16
    c = Checked(perQuantile) * QuantileSampling.capacityFactor
    let quantileBytes = Checked(bucketCount) * (c * (4 * t + 16) + 28)
    let sketchBytes = MaxSketch.binCount * 4 + MaxSketch.blockCount * 4 + 16
    return (topBytes + randomBytes + quantileBytes + (sketchBytes + 32 + 8)).value
  }

  /// Bytes of state for all neurons, or nil if the figure overflows 64 bits.
  public var checkedStateBytes: Int? {
    (Checked(layers.count) * Checked(neuronsPerLayer) * Checked(checkedStateBytesPerNeuron)).value
  }

  /// Throws a `UserError` with the figures when the recording state would not fit in
  /// `physicalMemory` bytes (the machine's RAM), before anything is allocated.
  public func checkMemory(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
    let options = "top: \(top), random: \(random), perQuantile: \(perQuantile), \(tokensPerExcerpt) tokens per excerpt"
    let neurons = (Checked(layers.count) * Checked(neuronsPerLayer)).value.map(RecordConfiguration.grouped) ?? "more than \(Int.max)"
    let machine = "this machine has \(RecordConfiguration.byteSize(Double(physicalMemory)))"
    guard let bytes = checkedStateBytes else {
      throw UserError(
        "record would need more than \(RecordConfiguration.byteSize(Double(Int.max))) of state (over 2^63 bytes) for \(neurons) neurons with \(options); \(machine). Lower top:, random: or perQuantile:, or record fewer layers"
      )
    }
    guard UInt64(bytes) <= physicalMemory else {
      throw UserError(
        "record would need \(RecordConfiguration.byteSize(Double(bytes))) of state for \(neurons) neurons with \(options); \(machine). Lower top:, random: or perQuantile:, or record fewer layers (each layer of \(RecordConfiguration.grouped(neuronsPerLayer)) neurons needs \(RecordConfiguration.byteSize(Double(bytes / max(1, layers.count)))))"
      )
    }
  }

  /// `196.3 GB`, `50.0 MB`, `12.0 kB`.
  public static func byteSize(_ bytes: Double) -> String {
    if bytes >= 1e9 { return String(format: "%.1f GB", bytes / 1e9) }
    if bytes >= 1e6 { return String(format: "%.1f MB", bytes / 1e6) }
    return String(format: "%.1f kB", bytes / 1e3)
  }

  /// `46,080`
  public static func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
      out.append(c)
    }
    return (n < 0 ? "-" : "") + out
  }

  // MARK: - Validation

  /// Throws a `UserError` naming the first option that cannot work.
  public func validate() throws {
    guard !layers.isEmpty else { throw UserError("record needs at least one layer") }
    guard Set(layers).count == layers.count else { throw UserError("record: layer listed twice in \(layers)") }
    guard layers.allSatisfy({ $0 >= 0 }) else { throw UserError("record: layers must be >= 0, got \(layers)") }
    guard neuronsPerLayer > 0 else { throw UserError("record: neurons per layer must be positive") }
    guard tokensPerExcerpt > 0 else { throw UserError("record: tokens per excerpt must be positive") }
    guard excerptCount > 0, excerptCount < Int(Int32.max) else {
      throw UserError("record: the number of excerpts must be between 1 and \(Int32.max), got \(excerptCount)")
    }
    guard top >= 1 else { throw UserError("record: top must be at least 1, got \(top)") }
    guard random >= 0 else { throw UserError("record: random must be >= 0, got \(random)") }
    guard perQuantile >= 0 else { throw UserError("record: perQuantile must be >= 0, got \(perQuantile)") }
    guard quantileLevels.count != 1 else {
      throw UserError("record: quantile levels need at least two values (bucket edges), got \(quantileLevels)")
    }
    for (a, b) in zip(quantileLevels, quantileLevels.dropFirst()) where !(a < b) {
      throw UserError("record: quantile levels must increase strictly, got \(quantileLevels)")
    }
    if let first = quantileLevels.first, let last = quantileLevels.last, first < 0 || last > 1 {
      throw UserError("record: quantile levels must lie in [0, 1], got \(quantileLevels)")
    }
  }

  /// The options whose values differ, as (name, this value, the other value), for messages.
  func differences(from other: RecordConfiguration) -> [(name: String, mine: String, theirs: String)] {
    var out: [(name: String, mine: String, theirs: String)] = []
    func check<V: Equatable>(_ name: String, _ a: V, _ b: V) { if a != b { out.append((name, "\(a)", "\(b)")) } }
    check("layers", layers, other.layers)
    check("neurons per layer", neuronsPerLayer, other.neuronsPerLayer)
    check("tokens per excerpt", tokensPerExcerpt, other.tokensPerExcerpt)
    check("excerpts", excerptCount, other.excerptCount)
    check("top", top, other.top)
    check("random", random, other.random)
    check("perQuantile", perQuantile, other.perQuantile)
    check("quantile levels", quantileLevels, other.quantileLevels)
    check("seed", seed, other.seed)
    return out
  }
}

/// An Int that remembers overflow: arithmetic past 64 bits gives nil at the end instead of a trap.
struct Checked {
  var value: Int?
  init(_ value: Int?) { self.value = value }

  static func combine(_ a: Checked, _ b: Checked, _ op: (Int) -> (Int) -> (partialValue: Int, overflow: Bool)) -> Checked {
    guard let x = a.value, let y = b.value else { return Checked(nil) }
    let r = op(x)(y)
    return Checked(r.overflow ? nil : r.partialValue)
  }

  static func + (a: Checked, b: Checked) -> Checked { combine(a, b, Int.addingReportingOverflow) }
  static func * (a: Checked, b: Checked) -> Checked { combine(a, b, Int.multipliedReportingOverflow) }
  static func + (a: Checked, b: Int) -> Checked { a + Checked(b) }
  static func * (a: Checked, b: Int) -> Checked { a * Checked(b) }
  static func * (a: Int, b: Checked) -> Checked { Checked(a) * b }
}
