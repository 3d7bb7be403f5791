import Foundation
import NxpTestSupport
import NxpCore
import Testing

@testable import NxpFormats

@Suite struct DequantizeTests {
  // MARK: - Random blocks

  /// A finite half: normal exponents in a range that keeps products finite, plus some subnormals.
  static func randomHalf(_ rng: inout SplitMix64) -> UInt16 {
    let sign = UInt16.random(in: 0...1, using: &rng) << 15
    let mantissa = UInt16.random(in: 0...0x3FF, using: &rng)
    let exponent: UInt16 = Int.random(in: 0..<8, using: &rng) == 0 ? 0 : UInt16.random(in: 1...20, using: &rng)
    return sign | exponent << 10 | mantissa
  }

  /// Byte offsets of the f16 scale fields in one block of `type`.
  static func halfFields(_ type: GGMLType) -> [Int] {
    switch type {
    case .q4_0, .q5_0, .q8_0: return [0]
    case .q4_1, .q5_1, .q4_K, .q5_K: return [0, 2]
    case .q6_K: return [208]
    default: return []
    }
  }

  /// `blocks` blocks of random bytes with valid finite scales (and finite F16/BF16/F32 values).
  static func randomBlocks(_ type: GGMLType, blocks: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    var bytes = (0..<(blocks * type.bytesPerBlock)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    func putHalf(_ v: UInt16, at o: Int) {
      bytes[o] = UInt8(v & 0xFF)
      bytes[o + 1] = UInt8(v >> 8)
    }
    switch type {
    case .f32:
      for i in stride(from: 0, to: bytes.count, by: 4) {
        let v = Float.random(in: -1000...1000, using: &rng).bitPattern
        for k in 0..<4 { bytes[i + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }
      }
    case .f16:
      for i in stride(from: 0, to: bytes.count, by: 2) { putHalf(randomHalf(&rng), at: i) }
    case .bf16:
      // Keep the exponent byte away from all-ones (infinity/NaN).
      for i in stride(from: 0, to: bytes.count, by: 2) where bytes[i + 1] & 0x7F == 0x7F { bytes[i + 1] &= 0xBF }
    default:
      for b in 0..<blocks {
        for f in halfFields(type) { putHalf(randomHalf(&rng), at: b * type.bytesPerBlock + f) }
      }
    }
    return bytes
  }

  static func dequantized(_ type: GGMLType, _ bytes: [UInt8], count: Int, threads: Int = 1) throws -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    try bytes.withUnsafeBytes { raw in
      try out.withUnsafeMutableBufferPointer { try dequantize(type, raw, count: count, into: $0.baseAddress!, threads: threads) }
    }
    return out
  }

  static func readFloats(_ path: String) throws -> [Float] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
  }

  /// Every supported type, 40 random blocks each, against `gguf.quants.dequantize`: bit-identical.
  @Test func randomBlocksMatchGGUFPackageBitForBit() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-dequant")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let types = GGMLType.supported
    var jobs: [[String: Any]] = []
    var ours: [GGMLType: [Float]] = [:]
    for (i, type) in types.enumerated() {
      let blocks = type.blockSize == 1 ? 40 * 32 : 40
      let count = blocks * type.blockSize
      let bytes = Self.randomBlocks(type, blocks: blocks, seed: 1000 + UInt64(i))
      let input = "\(dir)/\(type).bin"
      try Data(bytes).write(to: URL(fileURLWithPath: input))
      jobs.append(["type": "\(type)", "input": input, "count": count, "output": "\(dir)/\(type).f32"])
      ours[type] = try Self.dequantized(type, bytes, count: count)
    }
    let request = try JSONSerialization.data(withJSONObject: ["jobs": jobs])
    _ = try PythonReference.run("dequant_reference.py", stdin: request)
    for type in types {
      let expected = try Self.readFloats("\(dir)/\(type).f32")
      let got = ours[type]!
      #expect(expected.count == got.count, "\(type): value count")
      let mismatches = zip(got, expected).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(mismatches == 0, "\(type): \(mismatches) of \(got.count) values differ from gguf")
      #expect(got.allSatisfy { $0.isFinite }, "\(type): non-finite values")
    }
  }

  /// Hand-computed values for one Q4_0 and one Q8_0 block, independent of Python.
  @Test func knownBlocks() throws {
    // Q4_0: d = 0.5 (0x3800); byte j = (j & 0xF) | 0x30: low nibble j, high nibble 3.
    var q40: [UInt8] = [0x00, 0x38]
    q40 += (0..<16).map { UInt8($0) | 0x30 }
    let a = try Self.dequantized(.q4_0, q40, count: 32)
    #expect(a[0] == -4 && a[15] == 3.5 && a[16] == -2.5 && a[31] == -2.5)
    // Q8_0: d = 2 (0x4000); q = -16..<16.
    var q80: [UInt8] = [0x00, 0x40]
    q80 += (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
    let b = try Self.dequantized(.q8_0, q80, count: 32)
    #expect(b == (0..<32).map { Float(2 * ($0 - 16)) })
    // Halves: 1.0, -2.0, smallest subnormal, infinity.
    #expect(DequantizeHalf.float(fromHalf: 0x3C00) == 1)
    #expect(DequantizeHalf.float(fromHalf: 0xC000) == -2)
    #expect(DequantizeHalf.float(fromHalf: 0x0001) == 0x1p-24)
    #expect(DequantizeHalf.float(fromHalf: 0x7C00) == .infinity)
  }

  /// Splitting over two threads and reading row ranges give the same values as one pass.
  @Test func threadsAndRowRangesAgreeWithSinglePass() throws {
    for type in [GGMLType.q4_1, .q6_K, .f16] {
      let rowLength = 512, rowCount = 160
      let count = rowLength * rowCount
      let bytes = Self.randomBlocks(type, blocks: count / type.blockSize, seed: 7)
      let one = try Self.dequantized(type, bytes, count: count, threads: 1)
      let two = try Self.dequantized(type, bytes, count: count, threads: 2)
      #expect(one == two, "\(type): two threads differ")
      var rows = [Float](repeating: 0, count: 3 * rowLength)
      try bytes.withUnsafeBytes { raw in
        try rows.withUnsafeMutableBufferPointer {
          try dequantizeRows(type, raw, rowLength: rowLength, rows: 100..<103, into: $0.baseAddress!)
        }
      }
      #expect(rows == Array(one[(100 * rowLength)..<(103 * rowLength)]), "\(type): row range differs")
    }
  }

  @Test func badSizesAreErrors() throws {
    let bytes = [UInt8](repeating: 0, count: 40)
    #expect(throws: DequantizeError.partialBlock(type: .q8_0, count: 33)) { _ = try Self.dequantized(.q8_0, bytes, count: 33) }
    #expect(throws: DequantizeError.tooFewBytes(type: .q8_0, count: 64, needed: 68, available: 40)) {
      _ = try Self.dequantized(.q8_0, bytes, count: 64)
    }
    #expect(throws: DequantizeError.unsupportedType(.q2_K)) { _ = try Self.dequantized(.q2_K, bytes, count: 256) }
    var out = [Float](repeating: 0, count: 64)
    #expect(throws: DequantizeError.rowsOutOfRange(rows: 1..<2, rowCount: 1)) {
      try bytes.withUnsafeBytes { raw in
        try out.withUnsafeMutableBufferPointer { try dequantizeRows(.q8_0, raw, rowLength: 32, rows: 1..<2, into: $0.baseAddress!) }
      }
    }
  }

  // MARK: - The default model

  /// Real tensors of SmolLM2-135M (Q8_0 embedding rows, Q4_1 weights, F32 norms) match gguf.
  @Test func defaultModelTensorsMatchGGUFPackage() throws {
    let path = try TestEnvironment.defaultModelPath()
    let file = try GGUFFile(path: path)
    let dir = try TestEnvironment.temporaryDirectory("nxp-dequant-model")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let picks: [(String, Range<Int>)] = [
      ("token_embd.weight", 0..<4), ("token_embd.weight", 49148..<49152), ("blk.0.ffn_gate.weight", 0..<1536),
      ("blk.29.attn_k.weight", 100..<192), ("output_norm.weight", 0..<1),
    ]
    var jobs: [[String: Any]] = []
    var ours: [[Float]] = []
    for (i, (name, rows)) in picks.enumerated() {
      let info = try file.tensor(name)
      ours.append(try file.dequantizeRows(info, rows: rows))
      jobs.append(["gguf": path, "tensor": name, "rows": [rows.lowerBound, rows.upperBound], "output": "\(dir)/\(i).f32"])
    }
    #expect(try file.tensor("token_embd.weight").type == .q8_0)
    #expect(try file.tensor("blk.0.ffn_gate.weight").type == .q4_1)
    _ = try PythonReference.run("dequant_reference.py", stdin: try JSONSerialization.data(withJSONObject: ["jobs": jobs]))
    for (i, (name, rows)) in picks.enumerated() {
      let expected = try Self.readFloats("\(dir)/\(i).f32")
      #expect(expected.count == ours[i].count, "\(name) \(rows): value count")
      let mismatches = zip(ours[i], expected).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(mismatches == 0, "\(name) \(rows): \(mismatches) values differ")
    }
    // The whole Q4_1 tensor through the threaded path equals the row-by-row path.
    let gate = try file.tensor("blk.0.ffn_gate.weight")
    #expect(try file.dequantize(gate, threads: 2) == ours[2])
  }
}
