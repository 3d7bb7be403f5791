import Foundation
import NxpCore

/// A named dense array with its shape, the unit in which records are stored (one safetensors
/// tensor each); this module does not depend on any tensor type.
public struct RecordArray: Sendable, Equatable {
  public enum Storage: Sendable, Equatable {
    case float32([Float])
    case float64([Double])
    case int32([Int32])

    public static func == (a: Storage, b: Storage) -> Bool {
      // Bitwise, so NaN entries compare equal to themselves.
      switch (a, b) {
      case (.float32(let x), .float32(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
      case (.float64(let x), .float64(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
      case (.int32(let x), .int32(let y)): return x == y
      default: return false
      }
    }
  }

  public var shape: [Int]
  public var storage: Storage

  public init(shape: [Int], _ storage: Storage) {
    self.shape = shape
    self.storage = storage
  }

  public var count: Int {
    switch storage {
    case .float32(let a): return a.count
    case .float64(let a): return a.count
    case .int32(let a): return a.count
    }
  }

  /// The dtype name safetensors uses: F32, F64 or I32.
  public var dtype: String {
    switch storage {
    case .float32: return "F32"
    case .float64: return "F64"
    case .int32: return "I32"
    }
  }
}

// MARK: - Flattening records

extension NeuronRecords {
  /// Version of the flat layout; bumped when names, shapes or meaning change.
  public static let flatFormatVersion = 1

  /// The records as named arrays (`layer.<l>.top.ids` and so on, shapes as in `LayerRecords`)
  /// plus string metadata (format version, configuration as JSON).
  public func flattened() -> (arrays: [String: RecordArray], metadata: [String: String]) {
    let c = configuration
    let k = c.top
    let r = c.random
    let nb = c.bucketCount
    let q = c.perQuantile
    let t = c.tokensPerExcerpt
    var arrays: [String: RecordArray] = [:]
    for l in layers {
      let n = l.neurons
      let p = "layer.\(l.layer)."
      arrays[p + "top.ids"] = RecordArray(shape: [n, k], .int32(l.topIDs))
      arrays[p + "top.max"] = RecordArray(shape: [n, k], .float32(l.topMax))
      arrays[p + "top.acts"] = RecordArray(shape: [n, k, t], .float32(l.topActs))
      arrays[p + "random.ids"] = RecordArray(shape: [n, r], .int32(l.randomIDs))
      arrays[p + "random.acts"] = RecordArray(shape: [n, r, t], .float32(l.randomActs))
      arrays[p + "quantile.ids"] = RecordArray(shape: [n, nb, q], .int32(l.quantileIDs))
      arrays[p + "quantile.acts"] = RecordArray(shape: [n, nb, q, t], .float32(l.quantileActs))
      arrays[p + "quantile.exact"] = RecordArray(shape: [n, nb], .int32(l.quantileExact))
      arrays[p + "quantile.boundaries"] = RecordArray(shape: [n, nb + 1], .float32(l.quantileBoundaries))
      arrays[p + "mean"] = RecordArray(shape: [n], .float64(l.mean))
      arrays[p + "variance"] = RecordArray(shape: [n], .float64(l.variance))
      arrays[p + "skewness"] = RecordArray(shape: [n], .float64(l.skewness))
      arrays[p + "kurtosis"] = RecordArray(shape: [n], .float64(l.kurtosis))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = try! encoder.encode(c)
    let metadata = [
      "format": "nxp.neuron-records",
      "version": String(NeuronRecords.flatFormatVersion),
      "configuration": String(decoding: json, as: UTF8.self),
      "excerpts_recorded": String(excerptsRecorded),
    ]
    return (arrays, metadata)
  }

  /// Rebuilds records from `flattened()`'s output; throws a `UserError` naming what is missing
  /// or has the wrong shape or type.
  public init(arrays: [String: RecordArray], metadata: [String: String]) throws {
    guard metadata["format"] == "nxp.neuron-records" else {
      throw UserError("not neuron records (metadata format is \(metadata["format"].map { "'\($0)'" } ?? "missing"))")
    }
    guard metadata["version"] == String(NeuronRecords.flatFormatVersion) else {
      throw UserError(
        "neuron records have format version \(metadata["version"] ?? "?"), this nxp reads version "
          + "\(NeuronRecords.flatFormatVersion); record them again")
    }
    guard let text = metadata["configuration"],
      let c = try? JSONDecoder().decode(RecordConfiguration.self, from: Data(text.utf8)),
      let recorded = metadata["excerpts_recorded"].flatMap(Int.init)
    else { throw UserError("neuron records: metadata is damaged") }
    try c.validate()
    let k = c.top
    let r = c.random
    let nb = c.bucketCount
    let q = c.perQuantile
    let t = c.tokensPerExcerpt
    let n = c.neuronsPerLayer
    func get(_ name: String, _ shape: [Int]) throws -> RecordArray.Storage {
      guard let a = arrays[name] else { throw UserError("neuron records: array '\(name)' is missing") }
      guard a.shape == shape, a.count == shape.reduce(1, *) else {
        throw UserError("neuron records: array '\(name)' has shape \(a.shape), expected \(shape)")
      }
      return a.storage
    }
    func f32(_ name: String, _ shape: [Int]) throws -> [Float] {
      guard case .float32(let v) = try get(name, shape) else { throw UserError("neuron records: '\(name)' is not F32") }
      return v
    }
    func f64(_ name: String, _ shape: [Int]) throws -> [Double] {
      guard case .float64(let v) = try get(name, shape) else { throw UserError("neuron records: '\(name)' is not F64") }
      return v
    }
    func i32(_ name: String, _ shape: [Int]) throws -> [Int32] {
      guard case .int32(let v) = try get(name, shape) else { throw UserError("neuron records: '\(name)' is not I32") }
      return v
    }
    var layers: [LayerRecords] = []
    for layer in c.layers {
      let p = "layer.\(layer)."
      layers.append(
        LayerRecords(
          layer: layer, neurons: n, topIDs: try i32(p + "top.ids", [n, k]), topMax: try f32(p + "top.max", [n, k]),
          topActs: try f32(p + "top.acts", [n, k, t]), randomIDs: try i32(p + "random.ids", [n, r]),
          randomActs: try f32(p + "random.acts", [n, r, t]), quantileIDs: try i32(p + "quantile.ids", [n, nb, q]),
          quantileActs: try f32(p + "quantile.acts", [n, nb, q, t]),
          quantileExact: try i32(p + "quantile.exact", [n, nb]),
          quantileBoundaries: try f32(p + "quantile.boundaries", [n, nb + 1]), mean: try f64(p + "mean", [n]),
          variance: try f64(p + "variance", [n]), skewness: try f64(p + "skewness", [n]),
          kurtosis: try f64(p + "kurtosis", [n])))
    }
    self.init(configuration: c, excerptsRecorded: recorded, layers: layers)
  }
}

extension NeuronRecords: Equatable {
  /// Equal when every array is bitwise equal (NaN moments included).
  public static func == (a: NeuronRecords, b: NeuronRecords) -> Bool {
    let x = a.flattened()
    let y = b.flattened()
    return x.arrays == y.arrays && x.metadata == y.metadata
  }
}
