import Foundation
import NxpTestSupport
import NxpCore
import Testing

@testable import NxpFormats

@Suite struct SafeTensorsReaderTests {
  // MARK: - Layout and access

  @Test func readsHeaderMetadataAndTensors() throws {
    let dir = try TempDir()
    // Entries listed out of offset order, as older writers did; the reader orders by offset.
    let header =
      #"{"b":{"dtype":"I32","shape":[2],"data_offsets":[16,24]},"__metadata__":{"format":"pt","note":"\u00e9\n"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
    let data = le([Float(1), 2.5, -3, 0.125].map(\.bitPattern)) + le([Int32(-7), 9])
    let path = try dir.write(SafeTensorsBytes.make(header: header, data: data), "a.safetensors")

    let f = try SafeTensorsFile(path: path)
    #expect(f.names == ["a", "b"])
    #expect(f.tensors.map(\.name) == ["a", "b"])
    #expect(f.metadata == ["format": "pt", "note": "é\n"])
    let headerLength = (header.utf8.count + 7) / 8 * 8
    #expect(f.headerLength == headerLength)
    #expect(f.dataOffset == 8 + headerLength)

    let a = try f.info("a")
    #expect(a.dtype == .f32)
    #expect(a.shape == [2, 2])
    #expect(a.dataOffsets == 0..<16)
    #expect(a.fileOffset == 8 + headerLength)
    #expect(a.byteCount == 16)
    #expect(a.elementCount == 4)
    #expect(try f.floats("a") == [1, 2.5, -3, 0.125])
    #expect(Array(try f.bytes("b")) == le([Int32(-7), 9]))
    #expect(try f.int64s("b") == [-7, 9])
    #expect(try f.floats("b") == [-7, 9])
    #expect(f.contains("a") && !f.contains("c"))
  }

  @Test func missingTensorNamesIt() throws {
    let dir = try TempDir()
    let path = try dir.write(SafeTensorsFault.valid(), "v.safetensors")
    let f = try SafeTensorsFile(path: path)
    #expect(throws: SafeTensorsError.missingTensor(path: path, tensor: "nope")) { try f.floats("nope") }
  }

  @Test func emptyScalarAndZeroSizedTensors() throws {
    let dir = try TempDir()
    let empty = try SafeTensorsFile(path: dir.write(SafeTensorsBytes.make(header: "{}", data: []), "e.safetensors"))
    #expect(empty.tensors.isEmpty)
    #expect(empty.metadata.isEmpty)

    let header = #"{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0,5],"data_offsets":[8,8]}}"#
    let f = try SafeTensorsFile(
      path: dir.write(SafeTensorsBytes.make(header: header, data: le([Double(2.75).bitPattern])), "s.safetensors"))
    #expect(try f.info("s").shape == [])
    #expect(try f.floats("s") == [2.75])
    #expect(try f.info("z").elementCount == 0)
    #expect(try f.floats("z") == [])
  }

  @Test func ignoresUnknownFieldsLikeTheReference() throws {
    let dir = try TempDir()
    let header = #"{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"extra":{"nested":[1,2.5e3,null,true]}}}"#
    let f = try SafeTensorsFile(path: dir.write(SafeTensorsBytes.make(header: header, data: [3, 250]), "x.safetensors"))
    #expect(try f.floats("x") == [3, 250])
  }

  // MARK: - Conversions

  @Test func convertsEveryNumericDtype() throws {
    let dir = try TempDir()
    var w = SafeTensorsWriter()
    try w.add("f64", dtype: .f64, shape: [2], bytes: Data(le([Double(-1.5).bitPattern, Double(1e-3).bitPattern])))
    try w.add("f16", dtype: .f16, shape: [4], bytes: Data(le([UInt16(0x3C00), 0xC000, 0x0001, 0x7C00])))
    try w.add("bf16", dtype: .bf16, shape: [3], bytes: Data(le([UInt16(0x3F80), 0xC0A0, 0xFF80])))
    try w.add("i8", dtype: .i8, shape: [2], bytes: Data([0x80, 0x7F]))
    try w.add("u8", dtype: .u8, shape: [2], bytes: Data([0, 255]))
    try w.add("bool", dtype: .bool, shape: [2], bytes: Data([1, 0]))
    try w.add("i16", dtype: .i16, shape: [2], bytes: Data(le([Int16.min, 300])))
    try w.add("u16", dtype: .u16, shape: [1], bytes: Data(le([UInt16.max])))
    try w.add("u32", dtype: .u32, shape: [1], bytes: Data(le([UInt32(4_000_000_000)])))
    try w.add("i64", dtype: .i64, shape: [2], bytes: Data(le([Int64.min, 5])))
    try w.add("u64", dtype: .u64, shape: [1], bytes: Data(le([UInt64(12)])))
    try w.add("u64big", dtype: .u64, shape: [1], bytes: Data(le([UInt64.max])))
    // E5M2 is the top byte of a half; E4M3: 0x38 = 1.0, 0xC4 = -1.5 * 2 = -3, 0x01 = 2^-9, 0x7F = NaN.
    try w.add("e5m2", dtype: .f8E5M2, shape: [2], bytes: Data([0x3C, 0xC0]))
    try w.add("e4m3", dtype: .f8E4M3, shape: [4], bytes: Data([0x38, 0xC4, 0x01, 0x7F]))
    try w.add("c64", dtype: .c64, shape: [1], bytes: Data(count: 8))
    try w.add("f4", dtype: .f4, shape: [4], bytes: Data(count: 2))
    let f = try SafeTensorsFile(path: dir.write(w.data(), "all.safetensors"))

    #expect(try f.floats("f64") == [-1.5, Float(1e-3)])
    #expect(try f.floats("f16") == [1, -2, 0x1p-24, .infinity])
    #expect(try f.floats("bf16") == [1, -5, -.infinity])
    #expect(try f.floats("i8") == [-128, 127])
    #expect(try f.floats("u8") == [0, 255])
    #expect(try f.floats("bool") == [1, 0])
    #expect(try f.floats("i16") == [-32768, 300])
    #expect(try f.floats("u16") == [65535])
    #expect(try f.floats("u32") == [4e9])
    #expect(try f.floats("i64") == [-0x1p63, 5])
    #expect(try f.floats("e5m2") == [1, -2])
    let e4 = try f.floats("e4m3")
    #expect(Array(e4.prefix(3)) == [1, -3, 0x1p-9])
    #expect(e4[3].isNaN)

    #expect(try f.int64s("i64") == [Int64.min, 5])
    #expect(try f.int64s("u64") == [12])
    #expect(try f.int64s("bool") == [1, 0])
    #expect(try f.int64s("u32") == [4_000_000_000])
    #expect(throws: SafeTensorsError.unsupportedConversion(tensor: "u64big", dtype: "U64", target: "Int64")) { try f.int64s("u64big") }
    #expect(throws: SafeTensorsError.unsupportedConversion(tensor: "f16", dtype: "F16", target: "Int64")) { try f.int64s("f16") }
    #expect(throws: SafeTensorsError.unsupportedConversion(tensor: "c64", dtype: "C64", target: "Float")) { try f.floats("c64") }
    #expect(throws: SafeTensorsError.unsupportedConversion(tensor: "f4", dtype: "F4", target: "Float")) { try f.floats("f4") }
    #expect(try f.info("f4").byteCount == 2)
  }

  @Test func halfDecodingAndEncodingMatchNumpy() throws {
    // Edge cases (ties, subnormal boundaries, overflow) plus a seeded sample of all magnitudes.
    var inputs: [Float] = [
      0, -0, 1, -1, 65504, 65519.996, 65520, 1e10, -1e10, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-26, 0x1.ffcp-15, 0x1p-14,
      0x1.002p0, 0x1.006p0, 0x1.001p0, 0x1.003p0, 0x1.0030p-20, 0x1.7fep-16, 1.0 / 3, .infinity, -.infinity,
      Float.leastNonzeroMagnitude, Float.greatestFiniteMagnitude,
    ]
    var rng = SplitMix64(seed: 42)
    for _ in 0..<4000 {
      let exponent = Int(rng.next() % 60) - 35
      let mantissa = Float(rng.next() % (1 << 24)) / Float(1 << 24)
      inputs.append((rng.next() & 1 == 0 ? 1 : -1) * (1 + mantissa) * Float(sign: .plus, exponent: exponent, significand: 1))
    }
    let out = try PythonReference.run("safetensors_reference.py", ["half-table"], stdin: Data(le(inputs.map(\.bitPattern))))
    let table = try JSONDecoder().decode([String: String].self, from: out)
    let decoded = bytes(hex: table["decode"] ?? "")
    let encoded = bytes(hex: table["encode"] ?? "")
    #expect(decoded.count == 65536 * 4)
    #expect(encoded.count == inputs.count * 2)
    guard decoded.count == 65536 * 4, encoded.count == inputs.count * 2 else { return }

    var decodeMismatches: [UInt16] = []
    for h in 0...UInt16.max {
      let i = Int(h) * 4
      let expected = UInt32(decoded[i]) | UInt32(decoded[i + 1]) << 8 | UInt32(decoded[i + 2]) << 16 | UInt32(decoded[i + 3]) << 24
      let got = SafeTensorsDType.float(fromHalf: h)
      // NaN payload quieting differs between conversion paths; only NaN-ness must agree.
      let same = Float(bitPattern: expected).isNaN ? got.isNaN : got.bitPattern == expected
      if !same { decodeMismatches.append(h) }
    }
    #expect(decodeMismatches.isEmpty)

    var encodeMismatches: [Float] = []
    for (k, x) in inputs.enumerated() {
      let expected = UInt16(encoded[2 * k]) | UInt16(encoded[2 * k + 1]) << 8
      if SafeTensorsDType.half(from: x) != expected { encodeMismatches.append(x) }
    }
    #expect(encodeMismatches.isEmpty)
    #expect(SafeTensorsDType.float(fromHalf: SafeTensorsDType.half(from: .nan)).isNaN)
  }

  @Test func bfloat16RoundsToNearestEven() {
    #expect(SafeTensorsDType.bfloat16(from: 1) == 0x3F80)
    #expect(SafeTensorsDType.bfloat16(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
    #expect(SafeTensorsDType.bfloat16(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd rounds up
    #expect(SafeTensorsDType.bfloat16(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
    #expect(SafeTensorsDType.bfloat16(from: .greatestFiniteMagnitude) == 0x7F80)
    #expect(SafeTensorsDType.bfloat16(from: -.infinity) == 0xFF80)
    let nan = SafeTensorsDType.bfloat16(from: .nan)
    #expect(nan & 0x7F80 == 0x7F80 && nan & 0x7F != 0)
  }
}
