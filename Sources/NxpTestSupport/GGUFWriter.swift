import Foundation
import NxpCore
import NxpFormats

// MARK: - Encoding primitives

/// Little-endian GGUF encoding pieces. Public so tests can assemble files no writer would
/// produce (bad lengths, unknown type codes, invalid UTF-8).
public struct GGUFBytes: Sendable {
  /// The bytes so far.
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public var count: Int { bytes.count }

  /// An integer, little-endian.
  public mutating func append<T: FixedWidthInteger>(_ v: T) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// Bytes as given.
  public mutating func append(raw: [UInt8]) { bytes += raw }

  /// A GGUF string: u64 byte length, then the bytes (not necessarily UTF-8).
  public mutating func append(stringBytes s: [UInt8]) {
    append(UInt64(s.count))
    bytes += s
  }

  /// A GGUF string of `s`'s UTF-8.
  public mutating func append(string s: String) { append(stringBytes: Array(s.utf8)) }

  /// Zero bytes up to the next multiple of `alignment`.
  public mutating func pad(to alignment: Int) {
    bytes += [UInt8](repeating: 0, count: (alignment - bytes.count % alignment) % alignment)
  }

  /// The GGUF type code of a value: 0 uint8 ... 12 float64, 9 for arrays.
  public static func typeCode(_ v: GGUFValue) -> UInt32 {
    switch v {
    case .uint8: return 0
    case .int8: return 1
    case .uint16: return 2
    case .int16: return 3
    case .uint32: return 4
    case .int32: return 5
    case .float32: return 6
    case .bool: return 7
    case .string: return 8
    case .array: return 9
    case .uint64: return 10
    case .int64: return 11
    case .float64: return 12
    }
  }

  /// A value without its type code. Arrays take their element type from the first element
  /// (uint8 when empty); every element must share it.
  public mutating func append(value v: GGUFValue) {
    switch v {
    case .uint8(let x): append(x)
    case .int8(let x): append(x)
    case .uint16(let x): append(x)
    case .int16(let x): append(x)
    case .uint32(let x): append(x)
    case .int32(let x): append(x)
    case .uint64(let x): append(x)
    case .int64(let x): append(x)
    case .float32(let x): append(x.bitPattern)
    case .float64(let x): append(x.bitPattern)
    case .bool(let x): append(UInt8(x ? 1 : 0))
    case .string(let s): append(string: s)
    case .array(let items):
      append(items.first.map(GGUFBytes.typeCode) ?? 0)
      append(UInt64(items.count))
      for item in items { append(value: item) }
    }
  }

  /// One metadata entry: key, type code, value.
  public mutating func append(key: String, value: GGUFValue) {
    append(string: key)
    append(GGUFBytes.typeCode(value))
    append(value: value)
  }
}

// MARK: - Writer

/// Builds GGUF files (version 3 by default, or 2) for tests: metadata of any value type and
/// tensors from floats or raw blocks, laid out with `general.alignment` (default 32).
///
///     var w = GGUFWriter()
///     w.add("general.architecture", .string("llama"))
///     w.add("llama.block_count", .uint32(2))
///     w.addTensor("x", type: .f32, dims: [4, 2], floats: Array(repeating: 0.5, count: 8))
///     let data = w.data()
public struct GGUFWriter: Sendable {
  /// The GGUF version written in the header (2 and 3 share a layout).
  public var version: UInt32

  /// A metadata entry: a key and value, or pre-encoded bytes written verbatim.
  public enum Entry: Sendable, Equatable {
    case value(key: String, GGUFValue)
    case raw([UInt8])
  }

  /// A tensor as it will be written. `type` and `dims` are raw so malformed infos can be built.
  public struct Tensor: Sendable {
    public var name: [UInt8]
    public var type: UInt32
    /// ggml order: `dims[0]` varies fastest.
    public var dims: [UInt64]
    public var data: Data
    /// Data-section offset to record; nil places the data at the next aligned position.
    public var offset: UInt64?
  }

  /// Metadata entries in file order.
  public private(set) var entries: [Entry] = []
  /// Tensors in file order; editable so tests can corrupt a field.
  public var tensors: [Tensor] = []

  /// An empty file of the given version.
  public init(version: UInt32 = 3) {
    self.version = version
  }

  // MARK: Metadata

  /// Sets a metadata key, replacing an earlier value for the same key in place.
  public mutating func add(_ key: String, _ value: GGUFValue) {
    if let i = entries.firstIndex(where: { if case .value(key, _) = $0 { return true } else { return false } }) {
      entries[i] = .value(key: key, value)
    } else {
      entries.append(.value(key: key, value))
    }
  }

  /// Appends one metadata entry's bytes as given (key, type code and value), counted as a key.
  public mutating func addRawEntry(_ bytes: [UInt8]) {
    entries.append(.raw(bytes))
  }

  /// The value of a key added with `add`.
  public func value(_ key: String) -> GGUFValue? {
    for case .value(key, let v) in entries { return v }
    return nil
  }

  /// The data alignment: `general.alignment` when it is a power of two, else 32.
  public var alignment: Int {
    if let a = value("general.alignment")?.int, a > 0, a & (a - 1) == 0 { return a }
    return 32
  }

  // MARK: Tensors

  /// Adds an F32, F16 or BF16 tensor from Float values (narrow types round to nearest even).
  /// `dims` is in ggml order, fastest-varying first; `floats` must hold their product.
  public mutating func addTensor(_ name: String, type: GGMLType, dims: [Int], floats: [Float]) {
    precondition(floats.count == dims.reduce(1, *), "tensor '\(name)': \(floats.count) values for dims \(dims)")
    var b = GGUFBytes()
    switch type {
    case .f32: for f in floats { b.append(f.bitPattern) }
    case .f16: for f in floats { b.append(SafeTensorsDType.half(from: f)) }
    case .bf16: for f in floats { b.append(SafeTensorsDType.bfloat16(from: f)) }
    default: preconditionFailure("tensor '\(name)': Float values cannot be stored as \(type); pass raw blocks with bytes:")
    }
    addTensor(name, type: type, dims: dims, bytes: Data(b.bytes))
  }

  /// Adds a tensor of any type from its raw bytes (quantized blocks for quantized types).
  public mutating func addTensor(_ name: String, type: GGMLType, dims: [Int], bytes: Data) {
    tensors.append(Tensor(name: Array(name.utf8), type: type.rawValue, dims: dims.map { UInt64($0) }, data: bytes, offset: nil))
  }

  /// Adds a tensor with raw fields, for malformed files: any type code, dims and offset.
  public mutating func addRawTensor(name: [UInt8], type: UInt32, dims: [UInt64], data: Data, offset: UInt64? = nil) {
    tensors.append(Tensor(name: name, type: type, dims: dims, data: data, offset: offset))
  }

  // MARK: Output

  /// Where things landed in the last layout; for tests that patch or check positions.
  public struct Layout: Sendable, Equatable {
    /// File offset of each tensor's info record, in tensor order.
    public var tensorInfoOffsets: [Int]
    /// End of the tensor infos (before padding).
    public var headerEnd: Int
    /// Start of the data section.
    public var dataOffset: Int
    /// Each tensor's offset as recorded, relative to the data section.
    public var tensorOffsets: [UInt64]
  }

  /// The file's bytes and where its parts are.
  public func build() -> (data: Data, layout: Layout) {
    let align = alignment
    // Data positions first: each tensor starts aligned unless given an explicit offset.
    var offsets: [UInt64] = []
    var next = 0
    for t in tensors {
      next = (next + align - 1) / align * align
      offsets.append(t.offset ?? UInt64(next))
      next += t.data.count
    }

    var b = GGUFBytes()
    b.append(raw: Array("GGUF".utf8))
    b.append(version)
    b.append(UInt64(tensors.count))
    b.append(UInt64(entries.count))
    for e in entries {
      switch e {
      case .value(let key, let v): b.append(key: key, value: v)
      case .raw(let bytes): b.append(raw: bytes)
      }
    }
    var infoOffsets: [Int] = []
    for (t, off) in zip(tensors, offsets) {
      infoOffsets.append(b.count)
      b.append(stringBytes: t.name)
      b.append(UInt32(t.dims.count))
      for d in t.dims { b.append(d) }
      b.append(t.type)
      b.append(off)
    }
    let headerEnd = b.count
    b.pad(to: align)
    let dataOffset = b.count

    // Tensor data in order, padded between so each lands at its aligned position.
    var out = Data(b.bytes)
    var written = 0
    for t in tensors {
      let aligned = (written + align - 1) / align * align
      out.append(Data(count: aligned - written))
      out.append(t.data)
      written = aligned + t.data.count
    }
    let layout = Layout(tensorInfoOffsets: infoOffsets, headerEnd: headerEnd, dataOffset: dataOffset, tensorOffsets: offsets)
    return (out, layout)
  }

  /// The complete file.
  public func data() -> Data { build().data }

  /// Writes the file atomically.
  public func write(to path: String) throws {
    try AtomicFile.write(data(), to: path)
  }
}
