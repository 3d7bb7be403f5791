import Foundation
import NxpCore
import NxpFormats

/// A float32 array with a shape, e.g. one layer's activations [tokens x neurons]. Optional row
/// labels (the tokens) travel with it and are stored in the safetensors metadata.
public final class TensorValue: RuntimeObject {
  public let shape: [Int]
  public let data: [Float]
  public let rowLabels: [String]?
  public let title: String

  public init(shape: [Int], data: [Float], rowLabels: [String]? = nil, title: String) {
    self.shape = shape
    self.data = data
    self.rowLabels = rowLabels
    self.title = title
  }

  public static let typeName = "Tensor"
  public var summary: String {
    "Tensor \(title): [\(shape.map(String.init).joined(separator: " x "))] float32"
  }

  public func render(_ style: RenderStyle) -> String {
    var out = summary + "\n"
    guard !data.isEmpty else { return out }
    var lo = Float.infinity, hi = -Float.infinity, sum = 0.0
    for x in data {
      lo = min(lo, x)
      hi = max(hi, x)
      sum += Double(x)
    }
    out += String(format: "  min %.4f  max %.4f  mean %.4f\n", lo, hi, sum / Double(data.count))
    if shape.count == 2 {
      let rows = shape[0], cols = shape[1]
      let showCols = min(cols, 6)
      for r in 0..<min(rows, min(style.maxRows, 8)) {
        let label = rowLabels.map { Table.visible($0[r]) } ?? String(r)
        let vals = (0..<showCols).map { String(format: "%8.4f", data[r * cols + $0]) }.joined(separator: " ")
        out +=
          "  " + label.padding(toLength: 12, withPad: " ", startingAt: 0).prefix(12) + " " + vals + (cols > showCols ? " ..." : "") + "\n"
      }
      if rows > 8 { out += "  ... \(rows - 8) more rows\n" }
    }
    return out
  }
}

extension TensorValue: CacheCodable {
  public static let typeTag = "tensor"

  /// One safetensors file, `values` of the given shape; row labels and title in `__metadata__`
  /// (`numpy`/`safetensors` in Python read it directly).
  public func encode() throws -> [String: Data] {
    var metadata = ["title": title]
    if let rowLabels {
      metadata["row_labels"] = String(decoding: try JSONSerialization.data(withJSONObject: rowLabels), as: UTF8.self)
    }
    var w = SafeTensorsWriter(metadata: metadata)
    try w.add("values", shape: shape, floats: data)
    return ["value.safetensors": try w.data()]
  }

  public static func decode(_ files: [String: String]) throws -> TensorValue {
    guard let path = files["value.safetensors"] else { throw UserError("cached tensor is missing its file") }
    let f = try SafeTensorsFile(path: path)
    let info = try f.info("values")
    var labels: [String]?
    if let json = f.metadata["row_labels"] {
      labels = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
    }
    return TensorValue(shape: info.shape, data: try f.floats("values"), rowLabels: labels, title: f.metadata["title"] ?? "")
  }
}
