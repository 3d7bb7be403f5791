import Foundation
import NxpFormats

/// Weights read from a (possibly sharded) safetensors checkpoint. Float tensors (F32, F16, BF16)
/// share their byte layout with the GGML types of the same name, so they dequantize the same way.
public final class SafeTensorsWeightSource: WeightSource {
  /// The mapped checkpoint the tensors come from.
  public let checkpoint: SafeTensorsCheckpoint
  public let sourceDescription: String

  public init(_ checkpoint: SafeTensorsCheckpoint) {
    self.checkpoint = checkpoint
    sourceDescription = checkpoint.indexPath ?? checkpoint.files.first?.path ?? "safetensors checkpoint"
  }

  public var tensorNames: [String] { checkpoint.names }

  public func tensor(_ name: String) throws -> TensorData? {
    guard checkpoint.contains(name) else { return nil }
    let info = try checkpoint.info(name)
    let type: GGMLType
    switch info.dtype {
    case .f32: type = .f32
    case .f16: type = .f16
    case .bf16: type = .bf16
    default: throw ModelError.unsupportedTensorType(tensor: name, type: info.dtype.rawValue)
    }
    return TensorData(name: name, shape: info.shape, type: type, bytes: try checkpoint.bytes(name), owner: checkpoint)
  }
}
