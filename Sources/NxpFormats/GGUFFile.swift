import Foundation
import NxpCore

// GGUF layout (versions 2 and 3; all little-endian):
//   1. magic "GGUF", version u32, tensor count u64, metadata count u64
//   2. metadata: key (u64 length + UTF-8), value type u32, value
//   3. tensor infos: name, n_dims u32, dims u64[n_dims] (fastest-varying first), type u32, offset u64
//   4. padding to `general.alignment` (default 32), then the data section; offsets are relative
//      to its start and aligned.

/// A metadata value. Arrays keep their element values; nested arrays are allowed.
public indirect enum GGUFValue: Sendable, Equatable {
  case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
  case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
  case array([GGUFValue])

  /// Any integer type as Int (nil for non-integers or values that do not fit).
  public var int: Int? {
    switch self {
    case .uint8(let v): return Int(v)
    case .int8(let v): return Int(v)
    case .uint16(let v): return Int(v)
    case .int16(let v): return Int(v)
    case .uint32(let v): return Int(v)
    case .int32(let v): return Int(v)
    case .uint64(let v): return Int(exactly: v)
    case .int64(let v): return Int(v)
    case .bool(let v): return v ? 1 : 0
    default: return nil
    }
  }

  /// Any numeric type as Double.
  public var double: Double? {
    switch self {
    case .float32(let v): return Double(v)
    case .float64(let v): return v
    default: return int.map(Double.init)
    }
  }

  public var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var bool: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  public var array: [GGUFValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// A short rendering for `show` and error messages; long arrays are abbreviated.
  public var summary: String {
    switch self {
    case .string(let s): return s.count > 60 ? "\"\(s.prefix(57))...\"" : "\"\(s)\""
    case .array(let a):
      let head = a.prefix(4).map(\.summary).joined(separator: ", ")
      return a.count > 4 ? "[\(head), ... (\(a.count) items)]" : "[\(head)]"
    case .bool(let b): return String(b)
    case .float32(let f): return String(f)
    case .float64(let f): return String(f)
    default: return String(int ?? 0)
    }
  }
}

/// One tensor's description and where its bytes are in the file.
public struct GGUFTensorInfo: Sendable {
  public let name: String
  /// ggml dimension order: `dims[0]` varies fastest (the row length).
  public let dims: [Int]
  public let type: GGMLType
  /// Offset of the first byte in the whole file (data-section start already added).
  public let fileOffset: Int
  public let byteCount: Int

  public var elementCount: Int { dims.reduce(1, *) }
  /// Row-major shape, slowest dimension first (numpy order): `[rows, rowLength]` for a matrix.
  public var shape: [Int] { dims.reversed() }
}

/// A memory-mapped GGUF file: metadata and tensor infos are parsed eagerly, tensor data is read
/// from the map on demand.
public final class GGUFFile: @unchecked Sendable {
  public let path: String
  public let version: UInt32
  public let metadata: [String: GGUFValue]
  /// Keys in file order.
  public let metadataKeys: [String]
  public let tensors: [GGUFTensorInfo]
  public let tensorsByName: [String: GGUFTensorInfo]
  public let alignment: Int
  public let dataOffset: Int
  public let file: MappedFile

  /// Upper bounds that keep a corrupt count from allocating the machine away.
  static let maxCount: UInt64 = 1 << 24
  static let maxStringLength: UInt64 = 1 << 26
  static let maxDims = 4

  public convenience init(path: String) throws {
    try self.init(file: MappedFile(path: path))
  }

  public init(file: MappedFile) throws {
    self.file = file
    self.path = file.path
    var r = ByteReader(file.bytes)
    let magic = try r.readBytes(4, "the GGUF magic")
    guard Array(magic) == Array("GGUF".utf8) else {
      let shown = magic.map { (32...126).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
      throw FormatError.badMagic(path: file.path, found: "\"\(shown)\"")
    }
    version = try r.read(UInt32.self, "the GGUF version")
    guard version == 2 || version == 3 else {
      throw FormatError.unsupportedVersion(path: file.path, version: version)
    }
    let tensorCount = try r.read(UInt64.self, "the tensor count")
    let kvCount = try r.read(UInt64.self, "the metadata count")
    guard tensorCount <= GGUFFile.maxCount else { throw FormatError.tooLarge(what: "the tensor count", count: tensorCount, limit: GGUFFile.maxCount) }
    guard kvCount <= GGUFFile.maxCount else { throw FormatError.tooLarge(what: "the metadata count", count: kvCount, limit: GGUFFile.maxCount) }

    var meta: [String: GGUFValue] = [:]
    var keys: [String] = []
    for i in 0..<Int(kvCount) {
      let key = try GGUFFile.readString(&r, "metadata key #\(i)")
      let type = try r.read(UInt32.self, "the value type of '\(key)'")
      let value = try GGUFFile.readValue(&r, type: type, key: key, depth: 0)
      guard meta[key] == nil else { throw FormatError.duplicateKey(key) }
      meta[key] = value
      keys.append(key)
    }
    metadata = meta
    metadataKeys = keys

    var align = 32
    if let a = meta["general.alignment"] {
      guard let v = a.int, v > 0, v & (v - 1) == 0 else { throw FormatError.badAlignment(UInt64(a.int ?? 0)) }
      align = v
    }
    alignment = align

    struct RawInfo { var name: String; var dims: [Int]; var type: GGMLType; var offset: UInt64 }
    var raw: [RawInfo] = []
    var seen = Set<String>()
    for i in 0..<Int(tensorCount) {
      let name = try GGUFFile.readString(&r, "the name of tensor #\(i)")
      guard !seen.contains(name) else { throw FormatError.duplicateTensor(name) }
      seen.insert(name)
      let nDims = try r.read(UInt32.self, "the dimension count of tensor '\(name)'")
      guard nDims >= 1, nDims <= GGUFFile.maxDims else {
        throw FormatError.badTensorShape(tensor: name, detail: "has \(nDims) dimensions (1 to \(GGUFFile.maxDims) allowed)")
      }
      var dims: [Int] = []
      var total: Int = 1
      for d in 0..<Int(nDims) {
        let n = try r.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
        guard n >= 1, n <= 1 << 40, let size = Int(exactly: n) else {
          throw FormatError.badTensorShape(tensor: name, detail: "dimension \(d) is \(n)")
        }
        let (t, overflow) = total.multipliedReportingOverflow(by: size)
        guard !overflow, t <= 1 << 40 else { throw FormatError.badTensorShape(tensor: name, detail: "element count overflows") }
        total = t
        dims.append(size)
      }
      let typeRaw = try r.read(UInt32.self, "the type of tensor '\(name)'")
      guard let type = GGMLType(rawValue: typeRaw), type.isSupported else {
        throw FormatError.unsupportedTensorType(tensor: name, type: typeRaw)
      }
      guard dims[0] % type.blockSize == 0 else {
        throw FormatError.badTensorShape(tensor: name, detail: "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
      }
      let offset = try r.read(UInt64.self, "the data offset of tensor '\(name)'")
      raw.append(RawInfo(name: name, dims: dims, type: type, offset: offset))
    }

    let headerEnd = r.offset
    let data = (headerEnd + align - 1) / align * align
    guard data <= file.size || raw.isEmpty else {
      throw FormatError.truncated(what: "the tensor data section", offset: headerEnd, needed: data - headerEnd, available: file.size - headerEnd)
    }
    dataOffset = data

    var infos: [GGUFTensorInfo] = []
    var byName: [String: GGUFTensorInfo] = [:]
    for t in raw {
      let count = t.dims.reduce(1, *)
      guard let bytes = t.type.byteCount(elements: count) else {
        throw FormatError.badTensorShape(tensor: t.name, detail: "\(count) elements is not a whole number of \(t.type) blocks")
      }
      guard t.offset % UInt64(align) == 0 else {
        throw FormatError.badTensorOffset(tensor: t.name, detail: "data offset \(t.offset) is not aligned to \(align)")
      }
      guard let off = Int(exactly: t.offset), off <= file.size, data + off + bytes <= file.size else {
        throw FormatError.badTensorOffset(
          tensor: t.name,
          detail: "data at offset \(t.offset) with \(bytes) bytes runs past the end of the file (\(file.size) bytes); the file is truncated or corrupt")
      }
      let info = GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type, fileOffset: data + off, byteCount: bytes)
      infos.append(info)
      byName[t.name] = info
    }
    tensors = infos
    tensorsByName = byName
  }

  /// The raw (possibly quantized) bytes of a tensor, a view into the map.
  public func bytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: file.bytes[info.fileOffset..<(info.fileOffset + info.byteCount)])
  }

  public func tensor(_ name: String) throws -> GGUFTensorInfo {
    guard let t = tensorsByName[name] else { throw FormatError.missingTensor(name) }
    return t
  }

  // MARK: - Typed metadata access

  public func value(_ key: String) throws -> GGUFValue {
    guard let v = metadata[key] else { throw FormatError.missingKey(key) }
    return v
  }

  public func int(_ key: String) throws -> Int {
    guard let v = try value(key).int else { throw FormatError.wrongKeyType(key: key, expected: "an integer") }
    return v
  }

  public func double(_ key: String) throws -> Double {
    guard let v = try value(key).double else { throw FormatError.wrongKeyType(key: key, expected: "a number") }
    return v
  }

  public func string(_ key: String) throws -> String {
    guard let v = try value(key).string else { throw FormatError.wrongKeyType(key: key, expected: "a string") }
    return v
  }

  public func strings(_ key: String) throws -> [String] {
    guard let a = try value(key).array else { throw FormatError.wrongKeyType(key: key, expected: "an array of strings") }
    return try a.map {
      guard let s = $0.string else { throw FormatError.wrongKeyType(key: key, expected: "an array of strings") }
      return s
    }
  }

  public func ints(_ key: String) throws -> [Int] {
    guard let a = try value(key).array else { throw FormatError.wrongKeyType(key: key, expected: "an array of integers") }
    return try a.map {
      guard let i = $0.int else { throw FormatError.wrongKeyType(key: key, expected: "an array of integers") }
      return i
    }
  }

  // MARK: - Parsing

  static func readString(_ r: inout ByteReader, _ what: @autoclosure () -> String) throws -> String {
    let n = try r.read(UInt64.self, "the length of \(what())")
    guard n <= maxStringLength else { throw FormatError.tooLarge(what: "the length of \(what())", count: n, limit: maxStringLength) }
    let bytes = try r.readBytes(Int(n), what())
    guard let s = String(validating: bytes, as: UTF8.self) else { throw FormatError.badUTF8(what: what()) }
    return s
  }

  static func readValue(_ r: inout ByteReader, type: UInt32, key: String, depth: Int) throws -> GGUFValue {
    let what = "the value of '\(key)'"
    switch type {
    case 0: return .uint8(try r.read(UInt8.self, what))
    case 1: return .int8(try r.read(Int8.self, what))
    case 2: return .uint16(try r.read(UInt16.self, what))
    case 3: return .int16(try r.read(Int16.self, what))
    case 4: return .uint32(try r.read(UInt32.self, what))
    case 5: return .int32(try r.read(Int32.self, what))
    case 6: return .float32(try r.readFloat(what))
    case 7:
      let b = try r.read(UInt8.self, what)
      guard b <= 1 else { throw FormatError.badValueType(key: key, type: type) }
      return .bool(b == 1)
    case 8: return .string(try readString(&r, what))
    case 9:
      guard depth < 4 else { throw FormatError.badValueType(key: key, type: type) }
      let elementType = try r.read(UInt32.self, "the element type of '\(key)'")
      let count = try r.read(UInt64.self, "the length of '\(key)'")
      guard count <= maxCount else { throw FormatError.tooLarge(what: "array '\(key)'", count: count, limit: maxCount) }
      // Each element takes at least one byte: a cheap check before allocating.
      try r.need(Int(count), what)
      var items: [GGUFValue] = []
      items.reserveCapacity(Int(count))
      for _ in 0..<Int(count) {
        items.append(try readValue(&r, type: elementType, key: key, depth: depth + 1))
      }
      return .array(items)
    case 10: return .uint64(try r.read(UInt64.self, what))
    case 11: return .int64(try r.read(Int64.self, what))
    case 12: return .float64(try r.readDouble(what))
    default: throw FormatError.badValueType(key: key, type: type)
    }
  }
}
