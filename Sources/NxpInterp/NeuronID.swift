import Foundation

/// One MLP neuron of the subject model: a layer and a unit index within that layer.
///
/// Printed and parsed as `layer:index`, e.g. `6:123`, the form the viewer uses.
public struct NeuronID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
  public var layer: Int
  public var index: Int

  public init(layer: Int, index: Int) {
    self.layer = layer
    self.index = index
  }

  /// Parses `6:123`; nil for anything else.
  public init?(_ text: String) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let l = Int(parts[0]), let i = Int(parts[1]), l >= 0, i >= 0 else { return nil }
    self.init(layer: l, index: i)
  }

  public var description: String { "\(layer):\(index)" }

  /// Layer first, then index.
  public static func < (a: NeuronID, b: NeuronID) -> Bool {
    (a.layer, a.index) < (b.layer, b.index)
  }
}
