import Foundation
import NxpFormats

/// One stored tensor: its bytes in a mapped file, element type and row-major shape.
public struct TensorData: @unchecked Sendable {
  /// The tensor's name in its file.
  public var name: String
  /// Row-major, slowest dimension first (`[rows, rowLength]` for a matrix).
  public var shape: [Int]
  /// Element type (float types of safetensors map to F32/F16/BF16).
  public var type: GGMLType
  /// The stored bytes, a view into a mapped file.
  public var bytes: UnsafeRawBufferPointer
  /// Keeps the memory behind `bytes` alive (a mapped file or an owned buffer).
  public var owner: AnyObject

  public init(name: String, shape: [Int], type: GGMLType, bytes: UnsafeRawBufferPointer, owner: AnyObject) {
    self.name = name
    self.shape = shape
    self.type = type
    self.bytes = bytes
    self.owner = owner
  }

  public var elementCount: Int { shape.reduce(1, *) }
}

/// Where weights come from: a GGUF file, a set of safetensors files, or anything else that can
/// hand out tensors by name. Implementations check byte ranges against the file when opening.
public protocol WeightSource: AnyObject {
  /// A path or description for error messages.
  var sourceDescription: String { get }
  /// Tensor names in storage order.
  var tensorNames: [String] { get }
  /// The tensor called `name`, or nil when there is none.
  func tensor(_ name: String) throws -> TensorData?
}

/// Weights read from a memory-mapped GGUF file.
public final class GGUFWeightSource: WeightSource {
  /// The mapped GGUF file.
  public let file: GGUFFile

  public init(_ file: GGUFFile) { self.file = file }

  public var sourceDescription: String { file.path }
  public var tensorNames: [String] { file.tensors.map(\.name) }

  public func tensor(_ name: String) throws -> TensorData? {
    guard let info = file.tensorsByName[name] else { return nil }
    return TensorData(name: name, shape: info.shape, type: info.type, bytes: file.bytes(of: info), owner: file)
  }
}
