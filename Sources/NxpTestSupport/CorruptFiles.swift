import Foundation
import NxpFormats

// MARK: - safetensors

/// Builds safetensors bytes by hand, so tests can write headers no writer would produce.
public enum SafeTensorsBytes {
  /// `u64 length + header + data`; `pad` adds spaces to a multiple of 8 as writers do.
  public static func make(header: String, data: [UInt8], pad: Bool = true) -> Data {
    var h = Array(header.utf8)
    if pad { h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8) }
    return make(headerBytes: h, data: data)
  }

  /// `u64 length + header + data` from raw header bytes (which need not be UTF-8 or JSON).
  public static func make(headerBytes: [UInt8], data: [UInt8], length: UInt64? = nil) -> Data {
    var out = Data()
    withUnsafeBytes(of: (length ?? UInt64(headerBytes.count)).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: headerBytes)
    out.append(contentsOf: data)
    return out
  }
}

/// Ways to break a small valid safetensors file. `apply()` gives the broken bytes; `culprit` is
/// the tensor or key the resulting error must name, nil for faults of the whole file.
public enum SafeTensorsFault: String, CaseIterable, Sendable {
  case fileTooSmall
  case headerLengthPastEnd
  case headerTooLarge
  case headerNotUTF8
  case headerNotJSON
  case headerNotObject
  case badMetadataValue
  case entryNotObject
  case missingDtype
  case badDtype
  case negativeDimension
  case shapeOverflow
  case shapeOffsetMismatch
  case overlappingOffsets
  case gappedOffsets
  case reversedOffsets
  case negativeOffset
  case hugeOffset
  case fractionalOffset
  case duplicateTensor
  case trailingBytes
  case truncatedData

  /// The valid file every fault starts from: `weight` F32 [2, 3] then `bias` F32 [3].
  public static let validHeader =
    #"{"__metadata__":{"format":"pt"},"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}"#
  public static let validData: [UInt8] = (0..<9).flatMap { i in
    withUnsafeBytes(of: Float(i).bitPattern.littleEndian) { Array($0) }
  }

  public static func valid() -> Data { SafeTensorsBytes.make(header: validHeader, data: validData) }

  public var culprit: String? {
    switch self {
    case .fileTooSmall, .headerLengthPastEnd, .headerTooLarge, .headerNotUTF8, .headerNotJSON, .headerNotObject:
      return nil
    case .badMetadataValue: return "format"
    case .entryNotObject, .missingDtype, .badDtype, .negativeDimension, .shapeOverflow, .shapeOffsetMismatch, .reversedOffsets,
      .negativeOffset, .hugeOffset, .fractionalOffset:
      return "weight"
    case .overlappingOffsets, .gappedOffsets, .duplicateTensor, .trailingBytes, .truncatedData:
      return "bias"
    }
  }

  public func apply() -> Data {
    let h = SafeTensorsFault.validHeader
    let d = SafeTensorsFault.validData
    func edit(_ from: String, _ to: String) -> Data {
      SafeTensorsBytes.make(header: h.replacingOccurrences(of: from, with: to), data: d)
    }
    switch self {
    case .fileTooSmall:
      return Data([0x10, 0, 0])
    case .headerLengthPastEnd:
      var h8 = Array(h.utf8)
      h8 += [UInt8](repeating: 0x20, count: (8 - h8.count % 8) % 8)
      return SafeTensorsBytes.make(headerBytes: h8, data: d, length: UInt64(h8.count + d.count + 1))
    case .headerTooLarge:
      return SafeTensorsBytes.make(headerBytes: Array(h.utf8), data: d, length: 100_000_001)
    case .headerNotUTF8:
      return SafeTensorsBytes.make(headerBytes: Array(h.utf8.dropLast()) + [0xC3, 0x28, 0x7D], data: d)
    case .headerNotJSON:
      return edit(#""bias":"#, #""bias"="#)
    case .headerNotObject:
      return SafeTensorsBytes.make(header: "[1, 2, 3]", data: [])
    case .badMetadataValue:
      return edit(#""format":"pt""#, #""format":7"#)
    case .entryNotObject:
      return edit(#""weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}"#, #""weight":[0,24]"#)
    case .missingDtype:
      return edit(#""weight":{"dtype":"F32","#, #""weight":{"#)
    case .badDtype:
      return edit(#""weight":{"dtype":"F32""#, #""weight":{"dtype":"F31""#)
    case .negativeDimension:
      return edit("[2,3]", "[-2,-3]")
    case .shapeOverflow:
      return edit("[2,3]", "[4294967296,4294967296,4294967296]")
    case .shapeOffsetMismatch:
      return edit("[2,3]", "[2,2]")
    case .overlappingOffsets:
      return edit("[24,36]", "[20,32]")
    case .gappedOffsets:
      return edit("[24,36]", "[28,40]")
    case .reversedOffsets:
      return edit("[0,24]", "[24,0]")
    case .negativeOffset:
      return edit("[0,24]", "[-8,24]")
    case .hugeOffset:
      return edit("[0,24]", "[0,99999999999999999999999]")
    case .fractionalOffset:
      return edit("[0,24]", "[0,24.0]")
    case .duplicateTensor:
      return edit(#""bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}"#,
        #""bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},"bias":{"dtype":"F32","shape":[0],"data_offsets":[36,36]}"#)
    case .trailingBytes:
      return SafeTensorsBytes.make(header: h, data: d + [0, 0, 0, 0])
    case .truncatedData:
      return SafeTensorsBytes.make(header: h, data: Array(d.dropLast(3)))
    }
  }
}
