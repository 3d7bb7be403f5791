import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpFormats

@Suite struct GGUFWriterTests {
  /// One key of every value type, arrays of strings, nested and empty arrays.
  static let metadata: [(String, GGUFValue)] = [
    ("general.architecture", .string("llama")),
    ("test.u8", .uint8(200)),
    ("test.i8", .int8(-100)),
    ("test.u16", .uint16(60000)),
    ("test.i16", .int16(-30000)),
    ("test.u32", .uint32(4_000_000_000)),
    ("test.i32", .int32(-2_000_000_000)),
    ("test.u64", .uint64(UInt64.max)),
    ("test.i64", .int64(Int64.min)),
    ("test.f32", .float32(-0.1)),
    ("test.f64", .float64(1e-300)),
    ("test.bool", .bool(true)),
    ("test.string", .string("héllo\n\"wörld\" 🦙")),
    ("test.empty_string", .string("")),
    ("test.strings", .array([.string("a"), .string(""), .string("ü")])),
    ("test.floats", .array([.float32(1.5), .float32(-2)])),
    ("test.nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])])),
    ("test.nested_strings", .array([.array([.string("x")]), .array([.string("y"), .string("z")])])),
    ("test.empty", .array([])),
  ]

  static let q8Block = Data([0x00, 0x3C] + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) })

  static func writer(version: UInt32 = 3, alignment: UInt32? = nil) -> GGUFWriter {
    var w = GGUFWriter(version: version)
    for (k, v) in metadata { w.add(k, v) }
    if let alignment { w.add("general.alignment", .uint32(alignment)) }
    w.addTensor("a.f32", type: .f32, dims: [3, 2], floats: [1, -2, 3.5, 0, 1e-8, 65504])
    w.addTensor("b.f16", type: .f16, dims: [5], floats: [1, -2, 0.5, 65504, 1e-3])
    w.addTensor("c.bf16", type: .bf16, dims: [2], floats: [1, -3])
    w.addTensor("d.q8_0", type: .q8_0, dims: [32, 2], bytes: q8Block + q8Block)
    w.addTensor("e.f32", type: .f32, dims: [1, 1, 1, 1], floats: [42])
    return w
  }

  @Test(arguments: [(UInt32(3), UInt32?.none), (3, 64), (2, nil), (2, 8)])
  func swiftReadsWhatItWrites(version: UInt32, alignment: UInt32?) throws {
    let w = Self.writer(version: version, alignment: alignment)
    let (data, layout) = w.build()
    let f = try GGUFFile(file: MappedFile(copying: data, path: "w.gguf"))
    let align = Int(alignment ?? 32)
    #expect(f.version == version)
    #expect(f.alignment == align)
    #expect(f.dataOffset == layout.dataOffset)
    #expect(f.dataOffset % align == 0 && f.dataOffset >= layout.headerEnd && f.dataOffset - layout.headerEnd < align)
    var keys = Self.metadata.map(\.0)
    if alignment != nil { keys.append("general.alignment") }
    #expect(f.metadataKeys == keys)
    for (k, v) in Self.metadata { #expect(f.metadata[k] == v, "\(k)") }

    #expect(f.tensors.map(\.name) == ["a.f32", "b.f16", "c.bf16", "d.q8_0", "e.f32"])
    for (t, off) in zip(f.tensors, layout.tensorOffsets) {
      #expect(t.fileOffset == f.dataOffset + Int(off))
      #expect(t.fileOffset % align == 0, "\(t.name)")
    }
    let a = try f.tensor("a.f32")
    #expect(a.dims == [3, 2] && a.shape == [2, 3] && a.type == .f32 && a.byteCount == 24)
    #expect(Array(f.bytes(of: a)) == le([Float(1), -2, 3.5, 0, 1e-8, 65504].map(\.bitPattern)))
    let b = try f.tensor("b.f16")
    #expect(Array(f.bytes(of: b)) == le([UInt16(0x3C00), 0xC000, 0x3800, 0x7BFF, 0x1419]))
    #expect(Array(f.bytes(of: try f.tensor("c.bf16"))) == le([UInt16(0x3F80), 0xC040]))
    let d = try f.tensor("d.q8_0")
    #expect(d.type == .q8_0 && d.byteCount == 68 && Data(f.bytes(of: d)) == Self.q8Block + Self.q8Block)
    #expect(try f.tensor("e.f32").dims == [1, 1, 1, 1])
  }

  @Test func addReplacesAnExistingKeyInPlace() throws {
    var w = GGUFWriter()
    w.add("a", .uint32(1))
    w.add("b", .uint32(2))
    w.add("a", .string("x"))
    let f = try GGUFFile(file: MappedFile(copying: w.data()))
    #expect(f.metadataKeys == ["a", "b"])
    #expect(f.metadata["a"] == .string("x"))
    #expect(w.value("a") == .string("x"))
  }

  @Test func emptyFileHasOnlyTheHeader() throws {
    let data = GGUFWriter().data()
    #expect(Array(data) == Array("GGUF".utf8) + le([UInt32(3)]) + le([UInt64(0), 0]) + [UInt8](repeating: 0, count: 8))
    let f = try GGUFFile(file: MappedFile(copying: data))
    #expect(f.tensors.isEmpty && f.metadata.isEmpty)
  }

  @Test(arguments: [UInt32(3), 2])
  func pythonReadsWhatSwiftWrites(version: UInt32) throws {
    let dir = try TempDir()
    let w = Self.writer(version: version, alignment: 64)
    let path = dir.path + "/w.gguf"
    try w.write(to: path)
    let f = try GGUFFile(path: path)
    let dump = try GGUFDump.of(path)

    #expect(dump.version == version)
    #expect(dump.alignment == 64)
    #expect(dump.data_offset == f.dataOffset)
    #expect(dump.fields.map(\.key) == f.metadataKeys)
    for field in dump.fields {
      #expect(f.metadata[field.key]?.reference == field.value, "\(field.key)")
    }
    #expect(dump.tensors.map(\.name) == f.tensors.map(\.name))
    for (py, t) in zip(dump.tensors, f.tensors) {
      #expect(py.type == t.type.rawValue, "\(t.name)")
      #expect(py.dims == t.dims, "\(t.name)")
      #expect(py.offset == t.fileOffset, "\(t.name)")
      #expect(py.n_bytes == t.byteCount, "\(t.name)")
      #expect(py.sha256 == ContentHash.hex(f.bytes(of: t)), "\(t.name)")
    }
    let pyValues = Dictionary(uniqueKeysWithValues: dump.tensors.map { ($0.name, $0.values) })
    #expect(pyValues["a.f32"] == [1, -2, 3.5, 0, Double(Float(1e-8)), 65504])
    #expect(pyValues["b.f16"] == [1, -2, 0.5, 65504, Double(SafeTensorsDType.float(fromHalf: 0x1419))])
    #expect(pyValues["e.f32"] == [42])
  }
}
