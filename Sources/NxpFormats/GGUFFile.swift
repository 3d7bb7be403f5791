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
    case .uint64(let v): return String(v)
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
  /// Arrays of arrays are legal; this bounds the recursion.
  static let maxArrayDepth = 8

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
    guard tensorCount <= GGUFFile.maxCount else {
      throw FormatError.tooLarge(what: "the tensor count", count: tensorCount, limit: GGUFFile.maxCount)
    }
    guard kvCount <= GGUFFile.maxCount else {
      throw FormatError.tooLarge(what: "the metadata count", count: kvCount, limit: GGUFFile.maxCount)
    }

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

    alignment = try GGUFFile.alignment(meta["general.alignment"])
    let align = alignment

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
        throw FormatError.badTensorShape(
          tensor: name, detail: "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
      }
      let offset = try r.read(UInt64.self, "the data offset of tensor '\(name)'")
      raw.append(RawInfo(name: name, dims: dims, type: type, offset: offset))
    }

    let headerEnd = r.offset
    let data = (headerEnd + align - 1) / align * align
    guard data <= file.size || raw.isEmpty else {
      throw FormatError.truncated(
        what: "the tensor data section", offset: headerEnd, needed: data - headerEnd, available: file.size - headerEnd)
    }
    dataOffset = data

    var infos: [GGUFTensorInfo] = []
    var byName: [String: GGUFTensorInfo] = [:]
    infos.reserveCapacity(raw.count)
    for t in raw {
      let count = t.dims.reduce(1, *)
      guard let bytes = t.type.byteCount(elements: count) else {
        throw FormatError.badTensorShape(tensor: t.name, detail: "\(count) elements is not a whole number of \(t.type) blocks")
      }
      guard t.offset % UInt64(align) == 0 else {
        throw FormatError.badTensorOffset(tensor: t.name, detail: "data offset \(t.offset) is not aligned to \(align)")
      }
      guard let off = Int(exactly: t.offset), off <= file.size, data + off + bytes <= file.size else {
        // Offsets in the file count from the start of the data section; the message gives
        // both figures from the start of the file, as the file size is.
        let start = UInt64(data).addingReportingOverflow(t.offset).partialValue
        let end = start.addingReportingOverflow(UInt64(bytes)).partialValue
        throw FormatError.badTensorOffset(
          tensor: t.name,
          detail:
            "its \(bytes) bytes of data run from file offset \(start) to \(end) (data section offset \(t.offset) + section start \(data)), past the end of the file at \(file.size) bytes; the file is truncated or corrupt"
        )
      }
      let info = GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type, fileOffset: data + off, byteCount: bytes)
      infos.append(info)
      byName[t.name] = info
    }
    try GGUFFile.checkNoOverlap(infos)
    tensors = infos
    tensorsByName = byName
  }

  /// `general.alignment`: an integer power of two that fits in u32 (the spec's type); 32 when
  /// absent.
  static func alignment(_ value: GGUFValue?) throws -> Int {
    guard let value else { return 32 }
    guard value.bool == nil, let v = value.int else {
      throw FormatError.wrongKeyType(key: "general.alignment", expected: "an integer power of two")
    }
    guard v > 0, v <= Int(UInt32.max) else {
      throw FormatError.wrongKeyType(key: "general.alignment", expected: "an integer power of two from 1 to 2^31")
    }
    guard v & (v - 1) == 0 else { throw FormatError.badAlignment(UInt64(v)) }
    return v
  }

  /// Tensors may be in any order in the data section but must not share bytes.
  static func checkNoOverlap(_ infos: [GGUFTensorInfo]) throws {
    // Ties keep file order, so the later of two tensors at one offset is the one reported.
    let sorted = infos.enumerated().filter { $0.element.byteCount > 0 }
      .sorted { ($0.element.fileOffset, $0.offset) < ($1.element.fileOffset, $1.offset) }.map(\.element)
    for (a, b) in zip(sorted, sorted.dropFirst()) where a.fileOffset + a.byteCount > b.fileOffset {
      throw FormatError.badTensorOffset(
        tensor: b.name,
        detail: "data at file offset \(b.fileOffset) overlaps tensor '\(a.name)' (\(a.fileOffset)..<\(a.fileOffset + a.byteCount))")
    }
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
    guard let s = String(validating: bytes, as: UTF8.self) else {
      // Show what can be read, so the user can tell which key or tensor is damaged.
      let shown = String(decoding: bytes.prefix(80), as: UTF8.self)
      throw FormatError.badUTF8(what: "\(what()) ('\(shown)')")
    }
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
      guard b <= 1 else { throw FormatError.badValue(key: key, detail: "boolean byte is \(b), not 0 or 1") }
      return .bool(b == 1)
    case 8: return .string(try readString(&r, what))
    case 9:
      guard depth < maxArrayDepth else { throw FormatError.badValue(key: key, detail: "arrays nested deeper than \(maxArrayDepth)") }
      let elementType = try r.read(UInt32.self, "the element type of '\(key)'")
      // Checked here, not per element, so an empty array of an unknown type is caught too.
      guard let minSize = minimumSize(ofType: elementType) else { throw FormatError.badValueType(key: key, type: elementType) }
      let count = try r.read(UInt64.self, "the length of '\(key)'")
      guard count <= maxCount else { throw FormatError.tooLarge(what: "array '\(key)'", count: count, limit: maxCount) }
      // The elements must fit in what remains: a cheap check before allocating.
      try r.need(Int(count) * minSize, "the \(count) elements of '\(key)'")
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

  /// The fewest bytes a value of a type code takes (strings and arrays: their length fields),
  /// or nil for an unknown code.
  static func minimumSize(ofType type: UInt32) -> Int? {
    switch type {
    case 0, 1, 7: return 1
    case 2, 3: return 2
    case 4, 5, 6: return 4
    case 8, 10, 11, 12: return 8
    case 9: return 12
    default: return nil
    }
  }
}
