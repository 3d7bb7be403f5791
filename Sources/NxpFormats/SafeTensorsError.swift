import Foundation

/// Errors reading or writing safetensors files and sharded checkpoints. Each names the file and,
/// where there is one, the tensor at fault, so a truncated download is told from a bad writer.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
  // MARK: - Header

  /// The file is shorter than the 8-byte header length.
  case headerTooSmall(path: String, size: Int)
  /// The header length exceeds the limit readers accept.
  case headerTooLarge(path: String, length: UInt64, limit: Int)
  /// The header length runs past the end of the file.
  case headerPastEnd(path: String, length: UInt64, available: Int)
  case headerNotUTF8(path: String)
  case headerNotJSON(path: String, detail: String)
  /// The header is JSON but not an object; `found` names what it is.
  case headerNotObject(path: String, found: String)
  /// `__metadata__` is not a map of strings to strings.
  case badMetadata(path: String, key: String, detail: String)

  // MARK: - Tensors

  /// A tensor entry lacks a field or has one of the wrong JSON type.
  case badTensorEntry(path: String, tensor: String, detail: String)
  case unknownDtype(path: String, tensor: String, dtype: String)
  case badShape(path: String, tensor: String, detail: String)
  case badOffsets(path: String, tensor: String, detail: String)
  /// The tensor's byte range does not match its shape and dtype.
  case sizeMismatch(path: String, tensor: String, expected: Int, actual: Int)
  /// The tensors do not cover the data section exactly: trailing bytes or truncated data.
  /// `tensor` is the last tensor by offset, if any.
  case dataLengthMismatch(path: String, tensor: String?, tensorsEnd: Int, dataLength: Int)
  case duplicateTensor(path: String, tensor: String)
  case missingTensor(path: String, tensor: String)
  /// The tensor's dtype cannot be converted to the requested element type.
  case unsupportedConversion(tensor: String, dtype: String, target: String)

  // MARK: - Checkpoints

  /// A `model.safetensors.index.json` that is unreadable or malformed.
  case badIndex(path: String, detail: String)
  /// The index maps a tensor to a shard file that does not exist.
  case missingShard(tensor: String, shard: String)
  /// The index maps a tensor to a shard that does not contain it.
  case tensorNotInShard(tensor: String, shard: String)
  /// A model folder has neither `model.safetensors` nor `model.safetensors.index.json`.
  case noWeights(directory: String)

  // MARK: - Writing

  /// A tensor handed to the writer is inconsistent (bytes vs shape, duplicate name, bad dtype).
  case badTensorToWrite(tensor: String, detail: String)

  public var description: String {
    switch self {
    case .headerTooSmall(let path, let size):
      return "'\(path)' is not a safetensors file: it has \(size) bytes, fewer than the 8-byte header length"
    case .headerTooLarge(let path, let length, let limit):
      return "'\(path)': safetensors header length \(length) exceeds the limit of \(limit) bytes; the file is corrupt"
    case .headerPastEnd(let path, let length, let available):
      return
        "'\(path)': safetensors header length \(length) runs past the end of the file (\(available) bytes follow); the file is truncated or corrupt"
    case .headerNotUTF8(let path):
      return "'\(path)': safetensors header is not valid UTF-8"
    case .headerNotJSON(let path, let detail):
      return "'\(path)': safetensors header is not valid JSON: \(detail)"
    case .headerNotObject(let path, let found):
      return "'\(path)': safetensors header is \(found), not a JSON object"
    case .badMetadata(let path, let key, let detail):
      return "'\(path)': __metadata__ entry '\(key)': \(detail)"
    case .badTensorEntry(let path, let tensor, let detail):
      return "'\(path)': tensor '\(tensor)': \(detail)"
    case .unknownDtype(let path, let tensor, let dtype):
      return "'\(path)': tensor '\(tensor)' has unknown dtype '\(dtype)'"
    case .badShape(let path, let tensor, let detail):
      return "'\(path)': tensor '\(tensor)': \(detail)"
    case .badOffsets(let path, let tensor, let detail):
      return "'\(path)': tensor '\(tensor)': \(detail)"
    case .sizeMismatch(let path, let tensor, let expected, let actual):
      return "'\(path)': tensor '\(tensor)' has \(actual) data bytes but its shape and dtype need \(expected)"
    case .dataLengthMismatch(let path, let tensor, let end, let length):
      let last = tensor.map { "the last tensor '\($0)' ends" } ?? "the tensors end"
      let what = end < length ? "\(length - end) trailing bytes follow" : "the file is truncated"
      return "'\(path)': \(last) at data byte \(end) but the data section has \(length) bytes; \(what)"
    case .duplicateTensor(let path, let tensor):
      return "'\(path)': tensor '\(tensor)' appears twice"
    case .missingTensor(let path, let tensor):
      return "'\(path)' has no tensor '\(tensor)'"
    case .unsupportedConversion(let tensor, let dtype, let target):
      return "tensor '\(tensor)' has dtype \(dtype), which cannot be read as \(target)"
    case .badIndex(let path, let detail):
      return "'\(path)': \(detail)"
    case .missingShard(let tensor, let shard):
      return "tensor '\(tensor)' is mapped to shard '\(shard)', which does not exist"
    case .tensorNotInShard(let tensor, let shard):
      return "tensor '\(tensor)' is mapped to shard '\(shard)', which does not contain it"
    case .noWeights(let directory):
      return "'\(directory)' has no model.safetensors or model.safetensors.index.json"
    case .badTensorToWrite(let tensor, let detail):
      return "cannot write tensor '\(tensor)': \(detail)"
    }
  }
}
