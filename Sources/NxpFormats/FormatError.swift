import Foundation

/// Errors reading model and tensor files. Each names the file part at fault (key, tensor, offset)
/// so a user can tell a truncated download from an unsupported format.
public enum FormatError: Error, Equatable, CustomStringConvertible, Sendable {
  case truncated(what: String, offset: Int, needed: Int, available: Int)
  case badMagic(path: String, found: String)
  case unsupportedVersion(path: String, version: UInt32)
  case badValueType(key: String, type: UInt32)
  /// A metadata value whose type is known but whose content is invalid (a bool byte of 2,
  /// arrays nested too deeply).
  case badValue(key: String, detail: String)
  case duplicateKey(String)
  case tooLarge(what: String, count: UInt64, limit: UInt64)
  case badUTF8(what: String)
  case badAlignment(UInt64)
  case duplicateTensor(String)
  case unsupportedTensorType(tensor: String, type: UInt32)
  case badTensorShape(tensor: String, detail: String)
  case badTensorOffset(tensor: String, detail: String)
  case missingTensor(String)
  case missingKey(String)
  case wrongKeyType(key: String, expected: String)
  case badHeader(path: String, detail: String)

  public var description: String {
    switch self {
    case .truncated(let what, let offset, let needed, let available):
      return "file is truncated: reading \(what) at byte \(offset) needs \(needed) bytes, \(available) remain"
    case .badMagic(let path, let found):
      return "'\(path)' is not a GGUF file (magic \(found))"
    case .unsupportedVersion(let path, let v):
      if v.byteSwapped == 2 || v.byteSwapped == 3 {
        return "'\(path)' is a big-endian GGUF file (version \(v.byteSwapped)); nxp reads little-endian files"
      }
      return "'\(path)' is GGUF version \(v); nxp reads versions 2 and 3"
    case .badValueType(let key, let t):
      return "metadata key '\(key)' has unknown value type \(t)"
    case .badValue(let key, let detail):
      return "metadata key '\(key)': \(detail)"
    case .duplicateKey(let key):
      return "metadata key '\(key)' appears twice"
    case .tooLarge(let what, let count, let limit):
      return "\(what) claims \(count) entries (limit \(limit)); the file is corrupt"
    case .badUTF8(let what):
      return "\(what) is not valid UTF-8"
    case .badAlignment(let a):
      return "metadata key 'general.alignment' is \(a); it must be a power of two"
    case .duplicateTensor(let name):
      return "tensor '\(name)' appears twice"
    case .unsupportedTensorType(let name, let t):
      return
        "tensor '\(name)' has type \(GGMLType(rawValue: t).map { "\($0)" } ?? String(t)), which nxp cannot read (supported: \(GGMLType.supported.map { "\($0)" }.joined(separator: ", ")))"
    case .badTensorShape(let name, let detail):
      return "tensor '\(name)': \(detail)"
    case .badTensorOffset(let name, let detail):
      return "tensor '\(name)': \(detail)"
    case .missingTensor(let name):
      return "tensor '\(name)' is missing"
    case .missingKey(let key):
      return "metadata key '\(key)' is missing"
    case .wrongKeyType(let key, let expected):
      return "metadata key '\(key)' should be \(expected)"
    case .badHeader(let path, let detail):
      return "'\(path)': \(detail)"
    }
  }
}
