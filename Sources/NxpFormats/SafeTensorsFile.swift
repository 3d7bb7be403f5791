import Foundation
import NxpCore

// safetensors layout (all little-endian):
//   1. header length N: u64
//   2. N bytes of UTF-8 JSON: an object mapping each tensor name to
//      {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, plus an optional
//      "__metadata__" object of string values. Writers pad it with spaces to a multiple of 8.
//   3. the data section: offsets are relative to its start (8 + N); the tensors' byte ranges
//      tile it exactly, without gaps, overlaps or trailing bytes.

/// One tensor's description and where its bytes are in the file.
public struct SafeTensorInfo: Sendable, Equatable {
  public let name: String
  public let dtype: SafeTensorsDType
  /// Row-major shape, slowest dimension first; `[]` for a scalar.
  public let shape: [Int]
  /// The byte range `[begin, end)` relative to the data section, as written in the header.
  public let dataOffsets: Range<Int>
  /// Offset of the first byte in the whole file.
  public let fileOffset: Int

  public var byteCount: Int { dataOffsets.count }
  /// Number of elements (1 for a scalar); validated not to overflow when the file was opened.
  public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file. The header is parsed and validated when opened; tensor
/// data is read from the map on demand.
public final class SafeTensorsFile: @unchecked Sendable {
  public let path: String
  public let file: MappedFile
  /// `__metadata__`, empty when the file has none.
  public let metadata: [String: String]
  /// Tensors in data order (increasing offsets).
  public let tensors: [SafeTensorInfo]
  /// The same tensors by name.
  public let tensorsByName: [String: SafeTensorInfo]
  /// Length of the JSON header (without the 8-byte length prefix).
  public let headerLength: Int
  /// File offset where the data section starts (`8 + headerLength`).
  public let dataOffset: Int

  /// The largest header accepted, as in the reference reader.
  public static let maxHeaderLength = 100_000_000

  /// Tensor names, sorted.
  public var names: [String] { tensorsByName.keys.sorted() }

  /// Maps and validates the file at `path`; throws `SafeTensorsError` for a malformed file.
  public convenience init(path: String) throws {
    try self.init(file: MappedFile(path: path))
  }

  /// Validates the bytes of an already mapped (or copied) file.
  public init(file: MappedFile) throws {
    self.file = file
    path = file.path
    let bytes = file.bytes
    let path = file.path

    // MARK: Header bytes
    guard bytes.count >= 8 else { throw SafeTensorsError.headerTooSmall(path: path, size: bytes.count) }
    let n = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    guard n <= UInt64(SafeTensorsFile.maxHeaderLength) else {
      throw SafeTensorsError.headerTooLarge(path: path, length: n, limit: SafeTensorsFile.maxHeaderLength)
    }
    let length = Int(n)
    guard length <= bytes.count - 8 else {
      throw SafeTensorsError.headerPastEnd(path: path, length: n, available: bytes.count - 8)
    }
    headerLength = length
    dataOffset = 8 + length
    let header = UnsafeRawBufferPointer(rebasing: bytes[8..<dataOffset])
    guard String(validating: header, as: UTF8.self) != nil else { throw SafeTensorsError.headerNotUTF8(path: path) }
    let json: SafeTensorsJSON
    do {
      json = try SafeTensorsJSON.parse(header)
    } catch {
      throw SafeTensorsError.headerNotJSON(path: path, detail: "\(error)")
    }
    guard case .object(let members) = json else { throw SafeTensorsError.headerNotObject(path: path, found: json.kind) }

    // MARK: Entries
    var meta: [String: String] = [:]
    var seenMetadata = false
    var entries: [SafeTensorInfo] = []
    var seen = Set<String>()
    let dataLength = bytes.count - dataOffset
    for (key, value) in members {
      if key == "__metadata__" {
        guard !seenMetadata else { throw SafeTensorsError.badMetadata(path: path, key: key, detail: "appears twice") }
        seenMetadata = true
        meta = try SafeTensorsFile.parseMetadata(value, path: path)
        continue
      }
      guard seen.insert(key).inserted else { throw SafeTensorsError.duplicateTensor(path: path, tensor: key) }
      entries.append(try SafeTensorsFile.parseEntry(key, value, path: path, dataOffset: dataOffset))
    }
    metadata = meta

    // MARK: Layout
    // Like the reference: order by offsets, then require the ranges to tile the data section.
    entries.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
    var end = 0
    var previous: String?
    for t in entries {
      let begin = t.dataOffsets.lowerBound
      if begin > end {
        let after = previous.map { "tensor '\($0)' ends at \(end)" } ?? "the data section starts at 0"
        throw SafeTensorsError.badOffsets(
          path: path, tensor: t.name, detail: "data starts at \(begin) but \(after): a gap of \(begin - end) bytes")
      }
      if begin < end {
        let other = previous.map { "tensor '\($0)'" } ?? "another tensor"
        throw SafeTensorsError.badOffsets(
          path: path, tensor: t.name, detail: "data [\(begin), \(t.dataOffsets.upperBound)) overlaps \(other), which ends at \(end)")
      }
      guard let expected = t.dtype.byteCount(elements: t.elementCount) else {
        throw SafeTensorsError.badShape(path: path, tensor: t.name, detail: "shape \(t.shape) of \(t.dtype) is not a whole number of bytes")
      }
      guard expected == t.byteCount else {
        throw SafeTensorsError.sizeMismatch(path: path, tensor: t.name, expected: expected, actual: t.byteCount)
      }
      end = t.dataOffsets.upperBound
      previous = t.name
    }
    guard end == dataLength else {
      throw SafeTensorsError.dataLengthMismatch(path: path, tensor: previous, tensorsEnd: end, dataLength: dataLength)
    }
    tensors = entries
    tensorsByName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
  }

  // MARK: - Access

  /// Whether the file has a tensor called `name`.
  public func contains(_ name: String) -> Bool { tensorsByName[name] != nil }

  /// The tensor's dtype, shape and place; `missingTensor` if absent.
  public func info(_ name: String) throws -> SafeTensorInfo {
    guard let t = tensorsByName[name] else { throw SafeTensorsError.missingTensor(path: path, tensor: name) }
    return t
  }

  /// The raw little-endian bytes of a tensor, a view into the map valid while `self` lives.
  public func bytes(_ name: String) throws -> UnsafeRawBufferPointer {
    bytes(of: try info(name))
  }

  /// The raw bytes of a tensor described by `info` from this file.
  public func bytes(of info: SafeTensorInfo) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: file.bytes[info.fileOffset..<(info.fileOffset + info.byteCount)])
  }

  /// The tensor's elements converted to Float, in row-major order. Floating types convert
  /// exactly (F64 rounds), integers and booleans by value.
  public func floats(_ name: String) throws -> [Float] {
    let t = try info(name)
    guard let v = t.dtype.floats(from: bytes(of: t), count: t.elementCount) else {
      throw SafeTensorsError.unsupportedConversion(tensor: name, dtype: t.dtype.rawValue, target: "Float")
    }
    return v
  }

  /// The elements of an integer or boolean tensor as Int64, in row-major order.
  public func int64s(_ name: String) throws -> [Int64] {
    let t = try info(name)
    guard let v = t.dtype.int64s(from: bytes(of: t), count: t.elementCount) else {
      throw SafeTensorsError.unsupportedConversion(tensor: name, dtype: t.dtype.rawValue, target: "Int64")
    }
    return v
  }

  // MARK: - Parsing

  static func parseMetadata(_ value: SafeTensorsJSON, path: String) throws -> [String: String] {
    switch value {
    case .null:
      return [:]
    case .object(let members):
      var out: [String: String] = [:]
      for (k, v) in members {
        guard case .string(let s) = v else {
          throw SafeTensorsError.badMetadata(path: path, key: k, detail: "value is \(v.kind), not a string")
        }
        guard out.updateValue(s, forKey: k) == nil else {
          throw SafeTensorsError.badMetadata(path: path, key: k, detail: "appears twice")
        }
      }
      return out
    default:
      throw SafeTensorsError.badMetadata(path: path, key: "__metadata__", detail: "is \(value.kind), not an object of strings")
    }
  }

  static func parseEntry(_ name: String, _ value: SafeTensorsJSON, path: String, dataOffset: Int) throws -> SafeTensorInfo {
    guard case .object(let fields) = value else {
      throw SafeTensorsError.badTensorEntry(path: path, tensor: name, detail: "entry is \(value.kind), not an object")
    }
    var byName: [String: SafeTensorsJSON] = [:]
    for (k, v) in fields {
      guard byName.updateValue(v, forKey: k) == nil else {
        throw SafeTensorsError.badTensorEntry(path: path, tensor: name, detail: "field '\(k)' appears twice")
      }
    }
    // Unknown fields are ignored, as the reference reader ignores them.
    guard let dtypeValue = byName["dtype"] else {
      throw SafeTensorsError.badTensorEntry(path: path, tensor: name, detail: "missing field 'dtype'")
    }
    guard let shapeValue = byName["shape"] else {
      throw SafeTensorsError.badTensorEntry(path: path, tensor: name, detail: "missing field 'shape'")
    }
    guard let offsetsValue = byName["data_offsets"] else {
      throw SafeTensorsError.badTensorEntry(path: path, tensor: name, detail: "missing field 'data_offsets'")
    }

    guard case .string(let dtypeName) = dtypeValue else {
      throw SafeTensorsError.badTensorEntry(path: path, tensor: name, detail: "dtype is \(dtypeValue.kind), not a string")
    }
    guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
      throw SafeTensorsError.unknownDtype(path: path, tensor: name, dtype: dtypeName)
    }

    guard case .array(let dimValues) = shapeValue else {
      throw SafeTensorsError.badShape(path: path, tensor: name, detail: "shape is \(shapeValue.kind), not an array")
    }
    var shape: [Int] = []
    var count = 1
    for (i, d) in dimValues.enumerated() {
      switch d.nonNegativeInt {
      case .failure(let problem):
        throw SafeTensorsError.badShape(path: path, tensor: name, detail: "dimension \(i) \(problem)")
      case .success(let n):
        let (c, overflow) = count.multipliedReportingOverflow(by: n)
        guard !overflow else {
          throw SafeTensorsError.badShape(path: path, tensor: name, detail: "element count of shape \(dimValues.count)-d overflows")
        }
        count = c
        shape.append(n)
      }
    }

    guard case .array(let offs) = offsetsValue, offs.count == 2 else {
      throw SafeTensorsError.badOffsets(path: path, tensor: name, detail: "data_offsets must be an array of two integers")
    }
    var bounds: [Int] = []
    for (label, o) in zip(["begin", "end"], offs) {
      switch o.nonNegativeInt {
      case .failure(let problem): throw SafeTensorsError.badOffsets(path: path, tensor: name, detail: "data_offsets \(label) \(problem)")
      case .success(let v): bounds.append(v)
      }
    }
    let (begin, end) = (bounds[0], bounds[1])
    guard begin <= end else {
      throw SafeTensorsError.badOffsets(path: path, tensor: name, detail: "data_offsets [\(begin), \(end)) end before they begin")
    }
    // Offsets past the data section are caught by the tiling check; keep the addition safe here.
    let (fileOffset, overflow) = dataOffset.addingReportingOverflow(begin)
    guard !overflow else { throw SafeTensorsError.badOffsets(path: path, tensor: name, detail: "data_offsets begin \(begin) is too large") }
    return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end, fileOffset: fileOffset)
  }
}
