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

  /// The unbroken file.
  public static func valid() -> Data { SafeTensorsBytes.make(header: validHeader, data: validData) }

  /// The key or tensor the error must name; nil for whole-file faults.
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

  /// The broken file.
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
      return edit(
        #""bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}"#,
        #""bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},"bias":{"dtype":"F32","shape":[0],"data_offsets":[36,36]}"#)
    case .trailingBytes:
      return SafeTensorsBytes.make(header: h, data: d + [0, 0, 0, 0])
    case .truncatedData:
      return SafeTensorsBytes.make(header: h, data: Array(d.dropLast(3)))
    }
  }
}

// MARK: - GGUF

/// Ways to break a small valid GGUF file. `apply()` gives the broken bytes; `culprit` is the key
/// or tensor the resulting error must name, nil for faults of the whole file.
public enum GGUFFault: String, CaseIterable, Sendable {
  case badMagic
  case unsupportedVersion
  case bigEndian
  case hugeTensorCount
  case hugeKeyCount
  case missingKeys
  case hugeStringLength
  case hugeArrayCount
  case arrayPastEnd
  case unknownValueType
  case unknownArrayElementType
  case badBool
  case arraysTooDeep
  case duplicateKey
  case invalidUTF8Key
  case badAlignment
  case zeroAlignment
  case negativeAlignment
  case stringAlignment
  case duplicateTensor
  case invalidUTF8TensorName
  case zeroDimCount
  case tooManyDims
  case zeroDim
  case hugeDims
  case unsupportedTensorType
  case unknownTensorType
  case notBlockMultiple
  case tensorOffsetMisaligned
  case tensorDataPastEnd
  case overlappingTensors
  case truncatedData

  /// The valid file every fault starts from: four keys, an F32 and a Q8_0 tensor.
  public static func validWriter() -> GGUFWriter {
    var w = GGUFWriter()
    w.add("general.architecture", .string("llama"))
    w.add("general.name", .string("tiny"))
    w.add("llama.block_count", .uint32(2))
    w.add("tokenizer.ggml.tokens", .array([.string("a"), .string("b")]))
    w.addTensor("token_embd.weight", type: .f32, dims: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
    w.addTensor("output.weight", type: .q8_0, dims: [32, 1], bytes: Data([0x00, 0x3C] + (0..<32).map { UInt8($0) }))
    return w
  }

  /// The unbroken file.
  public static func valid() -> Data { validWriter().data() }

  /// The key or tensor the error must name; nil for whole-file faults.
  public var culprit: String? {
    switch self {
    case .badMagic, .unsupportedVersion, .bigEndian, .hugeTensorCount, .hugeKeyCount, .missingKeys: return nil
    case .hugeStringLength, .unknownValueType, .badBool, .duplicateKey: return "general.name"
    case .hugeArrayCount, .arrayPastEnd, .unknownArrayElementType, .arraysTooDeep: return "tokenizer.ggml.tokens"
    case .invalidUTF8Key: return "g\u{FFFD}k"
    case .badAlignment, .zeroAlignment, .negativeAlignment, .stringAlignment: return "general.alignment"
    case .invalidUTF8TensorName: return "bad\u{FFFD}name"
    case .duplicateTensor, .zeroDimCount, .tooManyDims, .zeroDim, .hugeDims, .unsupportedTensorType, .unknownTensorType,
      .notBlockMultiple, .tensorOffsetMisaligned, .tensorDataPastEnd, .overlappingTensors, .truncatedData:
      return "output.weight"
    }
  }

  /// The broken file.
  public func apply() -> Data {
    var w = GGUFFault.validWriter()
    /// A key's bytes with a chosen type code and payload.
    func entry(_ key: String, type: UInt32, _ fill: (inout GGUFBytes) -> Void) -> [UInt8] {
      var b = GGUFBytes()
      b.append(string: key)
      b.append(type)
      fill(&b)
      return b.bytes
    }
    /// The valid file with a u32 or u64 field at `offset` overwritten.
    func patch<T: FixedWidthInteger>(_ offset: Int, _ value: T) -> Data {
      var d = GGUFFault.valid()
      withUnsafeBytes(of: value.littleEndian) { d.replaceSubrange(offset..<(offset + MemoryLayout<T>.size), with: $0) }
      return d
    }
    func setOutput(_ edit: (inout GGUFWriter.Tensor) -> Void) -> Data {
      if let i = w.tensors.firstIndex(where: { $0.name == Array("output.weight".utf8) }) { edit(&w.tensors[i]) }
      return w.data()
    }
    // Drops `general.name` from the writer so a raw entry can stand in for it.
    func replaceName(with raw: [UInt8]) -> Data {
      var v = GGUFWriter()
      for case .value(let k, let val) in w.entries where k != "general.name" { v.add(k, val) }
      v.tensors = w.tensors
      v.addRawEntry(raw)
      return v.data()
    }
    func replaceTokens(with raw: [UInt8]) -> Data {
      var v = GGUFWriter()
      for case .value(let k, let val) in w.entries where k != "tokenizer.ggml.tokens" { v.add(k, val) }
      v.tensors = w.tensors
      v.addRawEntry(raw)
      return v.data()
    }

    switch self {
    case .badMagic: return patch(0, UInt32(0x5855_4747))  // "GGUX" little-endian
    case .unsupportedVersion: return patch(4, UInt32(1))
    case .bigEndian: return patch(4, UInt32(3).byteSwapped)
    case .hugeTensorCount: return patch(8, UInt64(1) << 40)
    case .hugeKeyCount: return patch(16, UInt64(1) << 40)
    case .missingKeys:
      // No tensors, so reading the keys the count promises runs into the end of the file.
      w.tensors = []
      var d = w.data()
      withUnsafeBytes(of: UInt64(9).littleEndian) { d.replaceSubrange(16..<24, with: $0) }
      return d
    case .hugeStringLength:
      return replaceName(with: entry("general.name", type: 8) { $0.append(UInt64(1) << 40) })
    case .hugeArrayCount:
      return replaceTokens(
        with: entry("tokenizer.ggml.tokens", type: 9) {
          $0.append(UInt32(8)); $0.append(UInt64(1) << 40)
        })
    case .arrayPastEnd:
      return replaceTokens(
        with: entry("tokenizer.ggml.tokens", type: 9) {
          $0.append(UInt32(8)); $0.append(UInt64(100_000))
        })
    case .unknownValueType:
      return replaceName(with: entry("general.name", type: 13) { $0.append(UInt32(0)) })
    case .unknownArrayElementType:
      return replaceTokens(
        with: entry("tokenizer.ggml.tokens", type: 9) {
          $0.append(UInt32(42)); $0.append(UInt64(0))
        })
    case .badBool:
      return replaceName(with: entry("general.name", type: 7) { $0.append(UInt8(2)) })
    case .arraysTooDeep:
      var v: GGUFValue = .uint8(1)
      for _ in 0..<9 { v = .array([v]) }
      w.add("tokenizer.ggml.tokens", v)
      return w.data()
    case .duplicateKey:
      w.addRawEntry(entry("general.name", type: 8) { $0.append(string: "again") })
      return w.data()
    case .invalidUTF8Key:
      var b = GGUFBytes()
      b.append(stringBytes: [0x67, 0xFF, 0x6B])
      b.append(UInt32(4))
      b.append(UInt32(1))
      w.addRawEntry(b.bytes)
      return w.data()
    case .badAlignment:
      w.add("general.alignment", .uint32(24))
      return w.data()
    case .zeroAlignment:
      w.add("general.alignment", .uint32(0))
      return w.data()
    case .negativeAlignment:
      w.add("general.alignment", .int32(-32))
      return w.data()
    case .stringAlignment:
      w.add("general.alignment", .string("32"))
      return w.data()
    case .duplicateTensor:
      w.addTensor("output.weight", type: .f32, dims: [1], floats: [0])
      return w.data()
    case .invalidUTF8TensorName:
      w.addRawTensor(name: Array("bad".utf8) + [0xC0] + Array("name".utf8), type: 0, dims: [1], data: Data(count: 4))
      return w.data()
    case .zeroDimCount: return setOutput { $0.dims = [] }
    case .tooManyDims: return setOutput { $0.dims = [32, 1, 1, 1, 1] }
    case .zeroDim: return setOutput { $0.dims = [32, 0] }
    case .hugeDims: return setOutput { $0.dims = [1 << 32, 1 << 32] }
    case .unsupportedTensorType: return setOutput { $0.type = GGMLType.q2_K.rawValue }
    case .unknownTensorType: return setOutput { $0.type = 99 }
    case .notBlockMultiple: return setOutput { $0.dims = [33, 1] }
    case .tensorOffsetMisaligned: return setOutput { $0.offset = 36 }
    case .tensorDataPastEnd: return setOutput { $0.offset = 1 << 20 }
    case .overlappingTensors: return setOutput { $0.offset = 0 }
    case .truncatedData: return GGUFFault.valid().dropLast(5)
    }
  }
}
