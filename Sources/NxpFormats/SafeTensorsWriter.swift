import Foundation
import NxpCore

/// Builds a safetensors file in memory. Output is deterministic and matches the reference writer
/// byte for byte: tensors ordered by dtype (widest first, keeping each aligned) then by name,
/// `__metadata__` first with sorted keys, compact JSON padded with spaces to a multiple of 8.
///
///     var w = SafeTensorsWriter(metadata: ["format": "np"])
///     try w.add("w", shape: [2, 2], floats: [1, 2, 3, 4])
///     try w.write(to: path)
public struct SafeTensorsWriter: Sendable {
  /// Written as `__metadata__`; omitted when empty.
  public var metadata: [String: String]
  private var entries: [Entry] = []
  private var names = Set<String>()

  private struct Entry: Sendable {
    var name: String
    var dtype: SafeTensorsDType
    var shape: [Int]
    var bytes: Data
  }

  /// An empty writer with the given `__metadata__`.
  public init(metadata: [String: String] = [:]) {
    self.metadata = metadata
  }

  /// Number of tensors added so far.
  public var count: Int { entries.count }

  // MARK: - Adding tensors

  /// Adds a tensor from its raw little-endian bytes, which must match `shape` and `dtype`.
  public mutating func add(_ name: String, dtype: SafeTensorsDType, shape: [Int], bytes: Data) throws {
    guard name != "__metadata__" else { throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "the name is reserved") }
    guard !names.contains(name) else { throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "added twice") }
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "shape \(shape) has a negative dimension")
    }
    var elements = 1
    for d in shape {
      let (e, overflow) = elements.multipliedReportingOverflow(by: d)
      guard !overflow else { throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "shape \(shape) overflows") }
      elements = e
    }
    guard let needed = dtype.byteCount(elements: elements) else {
      throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "shape \(shape) of \(dtype) is not a whole number of bytes")
    }
    guard needed == bytes.count else {
      throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "shape \(shape) of \(dtype) needs \(needed) bytes, got \(bytes.count)")
    }
    names.insert(name)
    entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
  }

  /// Adds a floating-point tensor stored as `dtype` (F32, F64, F16 or BF16; the narrow types
  /// round to nearest even).
  public mutating func add(_ name: String, shape: [Int], floats: [Float], as dtype: SafeTensorsDType = .f32) throws {
    let data: Data
    switch dtype {
    case .f32: data = Self.littleEndianBytes(floats.map(\.bitPattern))
    case .f64: data = Self.littleEndianBytes(floats.map { Double($0).bitPattern })
    case .f16: data = Self.littleEndianBytes(floats.map(SafeTensorsDType.half(from:)))
    case .bf16: data = Self.littleEndianBytes(floats.map(SafeTensorsDType.bfloat16(from:)))
    default: throw SafeTensorsError.badTensorToWrite(tensor: name, detail: "cannot store Float values as \(dtype)")
    }
    try add(name, dtype: dtype, shape: shape, bytes: data)
  }

  /// Adds an I32 tensor.
  public mutating func add(_ name: String, shape: [Int], int32s: [Int32]) throws {
    try add(name, dtype: .i32, shape: shape, bytes: Self.littleEndianBytes(int32s))
  }

  /// Adds an I64 tensor.
  public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) throws {
    try add(name, dtype: .i64, shape: shape, bytes: Self.littleEndianBytes(int64s))
  }

  // MARK: - Output

  /// The complete file.
  public func data() throws -> Data {
    let (header, order) = try SafeTensorsWriter.header(
      metadata: metadata, tensors: entries.map { ($0.name, $0.dtype, $0.shape, $0.bytes.count) })
    var out = Data(capacity: header.count + order.reduce(0) { $0 + entries[$1].bytes.count })
    out.append(header)
    for i in order { out.append(entries[i].bytes) }
    return out
  }

  /// The length prefix and header of a file holding `tensors` (name, dtype, shape, byte count),
  /// and the order their bytes must follow: by dtype (widest first, keeping each aligned) then
  /// by name.
  public static func header(
    metadata: [String: String], tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int], byteCount: Int)]
  ) throws -> (bytes: Data, order: [Int]) {
    let order = tensors.indices.sorted { i, j in
      let a = tensors[i], b = tensors[j]
      return a.dtype.rank != b.dtype.rank ? a.dtype.rank > b.dtype.rank : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }
    var json = "{"
    var first = true
    if !metadata.isEmpty {
      let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      json +=
        "\"__metadata__\":{" + pairs.map { SafeTensorsJSON.quoted($0.key) + ":" + SafeTensorsJSON.quoted($0.value) }.joined(separator: ",")
        + "}"
      first = false
    }
    var offset = 0
    for i in order {
      let e = tensors[i]
      if !first { json += "," }
      first = false
      let shape = e.shape.map(String.init).joined(separator: ",")
      json +=
        SafeTensorsJSON.quoted(e.name)
        + ":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.byteCount)]}"
      offset += e.byteCount
    }
    json += "}"
    var header = Data(json.utf8)
    header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
    guard header.count <= SafeTensorsFile.maxHeaderLength else {
      throw SafeTensorsError.badTensorToWrite(
        tensor: order.last.map { tensors[$0].name } ?? "", detail: "the header would exceed \(SafeTensorsFile.maxHeaderLength) bytes")
    }
    var out = littleEndianBytes([UInt64(header.count)])
    out.append(header)
    return (out, order)
  }

  /// Writes the file atomically (temporary file, fsync, rename).
  public func write(to path: String) throws {
    try AtomicFile.write(data(), to: path)
  }

  // MARK: - Encoding

  static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
    values.map(\.littleEndian).withUnsafeBytes { Data($0) }
  }
}
