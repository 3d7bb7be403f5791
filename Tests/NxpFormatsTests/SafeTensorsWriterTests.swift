import Foundation
import NxpTestSupport
import Testing

@testable import NxpFormats

@Suite struct SafeTensorsWriterTests {
  // MARK: - Layout

  @Test func writesTheReferenceLayout() throws {
    var w = SafeTensorsWriter(metadata: ["z": "last", "a": "fir\"st"])
    try w.add("small", dtype: .u8, shape: [3], bytes: Data([1, 2, 3]))
    try w.add("b", shape: [2], floats: [1, 2])
    try w.add("a", shape: [1], floats: [3])
    try w.add("big", shape: [1], int64s: [-1])
    let data = try w.data()
    // Widest dtype first, then by name; metadata first with sorted keys; compact JSON.
    let json =
      #"{"__metadata__":{"a":"fir\"st","z":"last"},"big":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},"small":{"dtype":"U8","shape":[3],"data_offsets":[20,23]}}"#
    let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
    let expected = SafeTensorsBytes.make(header: json, data: le([Int64(-1)]) + le([Float(3), 1, 2].map(\.bitPattern)) + [1, 2, 3])
    #expect(data == expected)
    #expect(data.count == 8 + padded.utf8.count + 23)
    #expect((data.count - 23) % 8 == 0)
  }

  @Test func outputIsIndependentOfInsertionOrder() throws {
    var a = SafeTensorsWriter(metadata: ["k": "v", "j": "w"])
    var b = SafeTensorsWriter(metadata: ["j": "w", "k": "v"])
    let items: [(String, [Float])] = [("x", [1]), ("é", [2, 3]), ("Z", [4]), ("a.b", [5, 6, 7])]
    for (n, v) in items { try a.add(n, shape: [v.count], floats: v) }
    for (n, v) in items.reversed() { try b.add(n, shape: [v.count], floats: v) }
    #expect(try a.data() == b.data())
  }

  @Test func escapesNamesAsJSON() throws {
    let dir = try TempDir()
    var w = SafeTensorsWriter(metadata: ["tab\t": "new\nline \u{01}"])
    try w.add("q\"uote\\slash/", shape: [1], floats: [7])
    let data = try w.data()
    let text = String(decoding: data.dropFirst(8), as: UTF8.self)
    #expect(text.contains(#""q\"uote\\slash/":"#))
    #expect(text.contains(#""tab\t":"new\nline \u0001""#))
    let f = try SafeTensorsFile(path: dir.write(data, "esc.safetensors"))
    #expect(f.names == ["q\"uote\\slash/"])
    #expect(f.metadata == ["tab\t": "new\nline \u{01}"])
  }

  @Test func roundTripsThroughTheReader() throws {
    let dir = try TempDir()
    var w = SafeTensorsWriter(metadata: ["source": "nxp"])
    let values: [Float] = [0.1, -2, 3.5e-6, 1e20, 0]
    try w.add("f32", shape: [5], floats: values)
    try w.add("f64", shape: [5], floats: values, as: .f64)
    try w.add("f16", shape: [5], floats: values, as: .f16)
    try w.add("bf16", shape: [5], floats: values, as: .bf16)
    try w.add("i32", shape: [2, 2], int32s: [1, -2, 3, Int32.max])
    try w.add("i64", shape: [], int64s: [Int64.min])
    let path = dir.path + "/sub/rt.safetensors"
    try w.write(to: path)

    let f = try SafeTensorsFile(path: path)
    #expect(f.metadata == ["source": "nxp"])
    #expect(try f.floats("f32") == values)
    #expect(try f.floats("f64") == values)
    #expect(try f.floats("f16") == values.map { SafeTensorsDType.float(fromHalf: SafeTensorsDType.half(from: $0)) })
    #expect(try f.floats("f16")[3] == .infinity)
    #expect(try f.floats("bf16") == values.map { Float(bitPattern: UInt32(SafeTensorsDType.bfloat16(from: $0)) << 16) })
    #expect(try f.int64s("i32") == [1, -2, 3, Int64(Int32.max)])
    #expect(try f.info("i32").shape == [2, 2])
    #expect(try f.int64s("i64") == [Int64.min])
    // Widest first keeps every tensor aligned to its element size within the file.
    for t in f.tensors { #expect(t.fileOffset % (t.dtype.byteSize ?? 1) == 0) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/sub") == ["rt.safetensors"])
  }

  @Test func rejectsInconsistentTensors() throws {
    var w = SafeTensorsWriter()
    #expect(throws: SafeTensorsError.badTensorToWrite(tensor: "x", detail: "shape [2, 2] of F32 needs 16 bytes, got 12")) {
      try w.add("x", dtype: .f32, shape: [2, 2], bytes: Data(count: 12))
    }
    try w.add("x", shape: [1], floats: [1])
    #expect(throws: SafeTensorsError.badTensorToWrite(tensor: "x", detail: "added twice")) { try w.add("x", shape: [1], floats: [1]) }
    #expect(throws: SafeTensorsError.badTensorToWrite(tensor: "__metadata__", detail: "the name is reserved")) {
      try w.add("__metadata__", shape: [1], floats: [1])
    }
    #expect(throws: SafeTensorsError.badTensorToWrite(tensor: "y", detail: "cannot store Float values as I32")) {
      try w.add("y", shape: [1], floats: [1], as: .i32)
    }
    #expect(throws: SafeTensorsError.badTensorToWrite(tensor: "n", detail: "shape [-1] has a negative dimension")) {
      try w.add("n", dtype: .u8, shape: [-1], bytes: Data())
    }
    #expect(w.count == 1)
  }

  // MARK: - Python reference

  /// Tensors exercising every dtype numpy and the reference share; values exact in Float.
  static let spec: [(name: String, dtype: SafeTensorsDType, shape: [Int], values: [Float])] = [
    ("layers.0.weight", .f32, [2, 3], [0.5, -1.25, 3, 1e-7, -0, 65504]),
    ("layers.0.bias", .f16, [3], [1, -0.333251953125, 6.1035156e-05]),
    ("embed", .f64, [2, 1], [1.0 / 3, -7]),
    ("ids", .i64, [4], [0, -1, 9_007_199_254_740_992, 3]),
    ("pos", .i32, [2], [-2_147_483_648, 17]),
    ("small", .i16, [1], [-300]),
    ("bytes", .u8, [3], [0, 128, 255]),
    ("signed", .i8, [2], [-128, 5]),
    ("mask", .bool, [3], [1, 0, 1]),
    ("empty", .f32, [0, 4], []),
    ("scalar", .f32, [], [42]),
  ]

  static func swiftFile() throws -> Data {
    var w = SafeTensorsWriter(metadata: ["format": "np"])
    for t in spec {
      switch t.dtype {
      case .f32, .f16, .f64: try w.add(t.name, shape: t.shape, floats: t.values, as: t.dtype)
      case .i64: try w.add(t.name, shape: t.shape, int64s: t.values.map { Int64($0) })
      case .i32: try w.add(t.name, shape: t.shape, int32s: t.values.map { Int32($0) })
      case .i16: try w.add(t.name, dtype: .i16, shape: t.shape, bytes: Data(le(t.values.map { Int16($0) })))
      case .i8: try w.add(t.name, dtype: .i8, shape: t.shape, bytes: Data(t.values.map { UInt8(bitPattern: Int8($0)) }))
      default: try w.add(t.name, dtype: t.dtype, shape: t.shape, bytes: Data(t.values.map { UInt8($0) }))
      }
    }
    return try w.data()
  }

  struct Dump: Decodable {
    struct Tensor: Decodable {
      var dtype: String
      var shape: [Int]
      var hex: String
      var values: [Double]
    }
    var metadata: [String: String]?
    var tensors: [String: Tensor]
  }

  @Test func pythonReadsWhatSwiftWrites() throws {
    let dir = try TempDir()
    let data = try Self.swiftFile()
    let path = try dir.write(data, "swift.safetensors")
    let dump = try JSONDecoder().decode(Dump.self, from: PythonReference.run("safetensors_reference.py", ["dump", path]))
    let f = try SafeTensorsFile(path: path)
    #expect(dump.metadata == ["format": "np"])
    #expect(dump.tensors.keys.sorted() == Self.spec.map(\.name).sorted())
    for t in Self.spec {
      let py = try #require(dump.tensors[t.name])
      #expect(py.dtype == t.dtype.rawValue, "\(t.name)")
      #expect(py.shape == t.shape, "\(t.name)")
      #expect(py.hex == hex(try f.bytes(t.name)), "\(t.name)")
      #expect(
        py.values.map { Float($0) }
          == t.values.map { t.dtype == .f16 ? SafeTensorsDType.float(fromHalf: SafeTensorsDType.half(from: $0)) : $0 }, "\(t.name)")
    }
  }

  @Test func swiftReadsWhatPythonWritesByteForByte() throws {
    let dir = try TempDir()
    let path = dir.path + "/py.safetensors"
    var tensors: [String] = []
    for t in Self.spec {
      let values = t.values.map { String(format: "%.17g", Double($0)) }.joined(separator: ",")
      let shape = t.shape.map(String.init).joined(separator: ",")
      tensors.append(#"{"name":"\#(t.name)","dtype":"\#(t.dtype.rawValue)","shape":[\#(shape)],"values":[\#(values)]}"#)
    }
    let spec = #"{"metadata":{"format":"np"},"tensors":[\#(tensors.joined(separator: ","))]}"#
    _ = try PythonReference.run("safetensors_reference.py", ["write", path], stdin: Data(spec.utf8))

    let written = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(written == (try Self.swiftFile()))
    let f = try SafeTensorsFile(path: path)
    #expect(f.metadata == ["format": "np"])
    #expect(f.names == Self.spec.map(\.name).sorted())
    for t in Self.spec {
      let info = try f.info(t.name)
      #expect(info.dtype == t.dtype, "\(t.name)")
      #expect(info.shape == t.shape, "\(t.name)")
      let expected = t.dtype == .f16 ? t.values.map { SafeTensorsDType.float(fromHalf: SafeTensorsDType.half(from: $0)) } : t.values
      #expect(try f.floats(t.name) == expected, "\(t.name)")
    }
    #expect(try f.int64s("ids") == [0, -1, 9_007_199_254_740_992, 3])
  }
}
