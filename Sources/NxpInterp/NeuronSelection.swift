import Foundation
import NxpCore

/// Which neurons to keep, applied in this order:
///
/// 1. `layer`: only that layer (an error if it was not recorded).
/// 2. `indices` or `range` (not both): only those unit indices, within every remaining layer.
///    Indices keep the order given (so `indices: [7, 2]` yields 7 before 2); a range keeps index
///    order. An index or range outside the layer is an error, as is an index listed twice.
/// 3. `first` or `random` (not both): the first n of what remains (fewer if fewer remain, like
///    `head`), or n distinct neurons drawn uniformly with `seed`, kept in the order of step 2
///    (an error if fewer than n remain). The draw keeps the n neurons with the smallest hash of
///    (seed, layer, index): a neuron's rank does not depend on the rest of the set, so drawing
///    fewer from the same candidates, or drawing again from a drawn set, picks a subset.
public struct NeuronSelection: Hashable, Sendable, Codable {
  public var layer: Int?
  public var indices: [Int]?
  public var range: Range<Int>?
  public var first: Int?
  public var random: Int?
  public var seed: UInt64

  public init(
    layer: Int? = nil, indices: [Int]? = nil, range: Range<Int>? = nil, first: Int? = nil, random: Int? = nil,
    seed: UInt64 = 0
  ) {
    self.layer = layer
    self.indices = indices
    self.range = range
    self.first = first
    self.random = random
    self.seed = seed
  }

  /// Applies the selection to `ids` (in their order), from layers of `neuronsPerLayer` units.
  public func apply(to ids: [NeuronID], neuronsPerLayer: Int) throws -> [NeuronID] {
    guard indices == nil || range == nil else { throw UserError("neurons: give either indices or range, not both") }
    guard first == nil || random == nil else { throw UserError("neurons: give either first or random, not both") }
    var out = ids
    if let layer {
      let layers = orderedLayers(ids)
      guard layers.contains(layer) else {
        throw UserError(
          "neurons: layer \(layer) is not in the records (layers \(layers.map(String.init).joined(separator: ", ")))")
      }
      out = out.filter { $0.layer == layer }
    }
    if let indices {
      var seen = Set<Int>()
      for i in indices {
        guard i >= 0 && i < neuronsPerLayer else {
          throw UserError("neurons: index \(i) is outside 0..<\(neuronsPerLayer)")
        }
        guard seen.insert(i).inserted else { throw UserError("neurons: index \(i) is listed twice") }
      }
      let present = Set(out)
      out = orderedLayers(out).flatMap { l in
        indices.map { NeuronID(layer: l, index: $0) }.filter { present.contains($0) }
      }
    }
    if let range {
      guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= neuronsPerLayer else {
        throw UserError("neurons: range \(range.lowerBound)..<\(range.upperBound) is not inside 0..<\(neuronsPerLayer)")
      }
      out = out.filter { range.contains($0.index) }
    }
    if let first {
      guard first >= 0 else { throw UserError("neurons: first must be >= 0, got \(first)") }
      out = Array(out.prefix(first))
    }
    if let random {
      guard random >= 0 else { throw UserError("neurons: random must be >= 0, got \(random)") }
      guard random <= out.count else {
        throw UserError("neurons: random is \(random) but only \(out.count) neurons match")
      }
      let rank = { (id: NeuronID) -> UInt64 in ExcerptHash.neuronBase(seed: seed, layer: id.layer, neuron: id.index) }
      let chosen = Set(out.sorted { (rank($0), $0) < (rank($1), $1) }.prefix(random))
      out = out.filter(chosen.contains)
    }
    return out
  }

  private func orderedLayers(_ ids: [NeuronID]) -> [Int] {
    var seen = Set<Int>()
    return ids.map(\.layer).filter { seen.insert($0).inserted }
  }
}

// MARK: - neurons

/// Narrows a set to the neurons `NeuronSelection` describes (see there for the rules).
public func neurons(
  _ set: NeuronActivationSet, layer: Int? = nil, indices: [Int]? = nil, range: Range<Int>? = nil, first: Int? = nil,
  random: Int? = nil, seed: UInt64 = 0
) throws -> NeuronActivationSet {
  let selection = NeuronSelection(
    layer: layer, indices: indices, range: range, first: first, random: random, seed: seed)
  return set.with(
    neurons: try selection.apply(to: set.neurons, neuronsPerLayer: set.records.configuration.neuronsPerLayer))
}
