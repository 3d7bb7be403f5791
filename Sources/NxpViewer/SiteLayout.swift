import Foundation
import NxpInterp

/// Where each file of a viewer lives, and how pages link to one another.
///
///     index.html                 every neuron, with filters, sorting, search and a score histogram
///     lucky.html                 forwards to a random neuron page
///     nxp.css, nxp.js            the one style sheet and the one script
///     neurons/{layer}/{n}.html   one page per neuron
enum SiteLayout {
  static let index = "index.html"
  static let lucky = "lucky.html"
  static let css = "nxp.css"
  static let js = "nxp.js"
  /// A file that marks a folder as a viewer nxp wrote, so writing again may replace it.
  static let marker = ".nxp-viewer"

  static func page(_ id: NeuronID) -> String { "neurons/\(id.layer)/\(id.index).html" }

  /// The path from a page to the site's root folder ("" or "../../").
  static func root(from path: String) -> String {
    String(repeating: "../", count: path.split(separator: "/").count - 1)
  }
}

/// The neighbours of a neuron among the recorded ones: the previous and next in (layer, index)
/// order, and the nearest unit in the previous and next recorded layer (the same index when it
/// was recorded there, else the closest, the lower on a tie).
struct Navigation {
  var previous: NeuronID?
  var next: NeuronID?
  var previousLayer: NeuronID?
  var nextLayer: NeuronID?

  /// Navigation for every neuron of `ids`, which must be sorted.
  static func all(_ ids: [NeuronID]) -> [NeuronID: Navigation] {
    var byLayer: [Int: [Int]] = [:]
    for id in ids { byLayer[id.layer, default: []].append(id.index) }
    let layers = byLayer.keys.sorted()
    func nearest(in layer: Int, to index: Int) -> NeuronID? {
      guard let units = byLayer[layer], !units.isEmpty else { return nil }
      let best = units.min { (abs($0 - index), $0) < (abs($1 - index), $1) }!
      return NeuronID(layer: layer, index: best)
    }
    var out: [NeuronID: Navigation] = [:]
    for (i, id) in ids.enumerated() {
      let l = layers.firstIndex(of: id.layer)!
      out[id] = Navigation(
        previous: i > 0 ? ids[i - 1] : nil, next: i + 1 < ids.count ? ids[i + 1] : nil,
        previousLayer: l > 0 ? nearest(in: layers[l - 1], to: id.index) : nil,
        nextLayer: l + 1 < layers.count ? nearest(in: layers[l + 1], to: id.index) : nil)
    }
    return out
  }
}
