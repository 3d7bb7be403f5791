import Foundation

// Dequantization of ggml tensor data to float32, value for value as ggml defines each type.
// Block layouts live in DequantizeBlocks.swift (32-value types) and DequantizeKQuants.swift
// (256-value "K" types); half-precision conversion is in DequantizeHalf.swift.

/// Why a dequantization request cannot be served.
public enum DequantizeError: Error, Equatable, CustomStringConvertible, Sendable {
  case unsupportedType(GGMLType)
  /// `count` is not a whole number of blocks of the type.
  case partialBlock(type: GGMLType, count: Int)
  /// The byte buffer holds fewer bytes than `count` values need.
  case tooFewBytes(type: GGMLType, count: Int, needed: Int, available: Int)
  case rowsOutOfRange(rows: Range<Int>, rowCount: Int)

  public var description: String {
    switch self {
    case .unsupportedType(let t):
      return "cannot dequantize \(t) (supported: \(GGMLType.supported.map { "\($0)" }.joined(separator: ", ")))"
    case .partialBlock(let t, let n):
      return "\(n) values is not a whole number of \(t) blocks of \(t.blockSize)"
    case .tooFewBytes(let t, let n, let needed, let available):
      return "\(n) \(t) values need \(needed) bytes, only \(available) given"
    case .rowsOutOfRange(let rows, let count):
      return "rows \(rows.lowerBound)..<\(rows.upperBound) are outside a tensor of \(count) rows"
    }
  }
}

// MARK: - Entry points

/// Dequantizes `count` values of `type` from `bytes` into `out` (which must hold `count` floats).
/// Large inputs are split over `threads` threads along block boundaries.
public func dequantize(
  _ type: GGMLType, _ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Float>,
  threads: Int = 1
) throws {
  guard type.isSupported else { throw DequantizeError.unsupportedType(type) }
  guard count >= 0, count % type.blockSize == 0 else { throw DequantizeError.partialBlock(type: type, count: count) }
  let blocks = count / type.blockSize
  let needed = blocks * type.bytesPerBlock
  guard bytes.count >= needed else {
    throw DequantizeError.tooFewBytes(type: type, count: count, needed: needed, available: bytes.count)
  }
  guard blocks > 0, let base = bytes.baseAddress else { return }
  // Below ~64K values a second thread costs more to wake than it saves.
  let parts = count >= 1 << 16 ? max(1, min(threads, blocks)) : 1
  if parts == 1 {
    dequantizeBlocks(type, base, blocks: blocks, into: out)
    return
  }
  let outAddress = UInt(bitPattern: out)
  DispatchQueue.concurrentPerform(iterations: parts) { part in
    let first = blocks * part / parts, last = blocks * (part + 1) / parts
    let dst = UnsafeMutablePointer<Float>(bitPattern: outAddress)! + first * type.blockSize
    dequantizeBlocks(type, base + first * type.bytesPerBlock, blocks: last - first, into: dst)
  }
}

/// Dequantizes rows `rows` of a `[rowCount x rowLength]` tensor whose data is `bytes` (the whole
/// tensor). Used for embedding lookups, one token's row at a time.
public func dequantizeRows(
  _ type: GGMLType, _ bytes: UnsafeRawBufferPointer, rowLength: Int, rows: Range<Int>,
  into out: UnsafeMutablePointer<Float>
) throws {
  guard type.isSupported else { throw DequantizeError.unsupportedType(type) }
  guard rowLength > 0, let rowBytes = type.byteCount(elements: rowLength) else {
    throw DequantizeError.partialBlock(type: type, count: rowLength)
  }
  let rowCount = bytes.count / rowBytes
  guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
    throw DequantizeError.rowsOutOfRange(rows: rows, rowCount: rowCount)
  }
  guard !rows.isEmpty, let base = bytes.baseAddress else { return }
  dequantizeBlocks(
    type, base + rows.lowerBound * rowBytes, blocks: rows.count * rowLength / type.blockSize, into: out)
}

/// Whole blocks, no checks: callers have validated sizes.
@inline(__always)
func dequantizeBlocks(_ type: GGMLType, _ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
  switch type {
  case .f32: UnsafeMutableRawPointer(out).copyMemory(from: src, byteCount: blocks * 4)
  case .f16: DequantizeHalf.f16(src, count: blocks, into: out)
  case .bf16: DequantizeHalf.bf16(src, count: blocks, into: out)
  case .q4_0: DequantizeBlocks.q4_0(src, blocks: blocks, into: out)
  case .q4_1: DequantizeBlocks.q4_1(src, blocks: blocks, into: out)
  case .q5_0: DequantizeBlocks.q5_0(src, blocks: blocks, into: out)
  case .q5_1: DequantizeBlocks.q5_1(src, blocks: blocks, into: out)
  case .q8_0: DequantizeBlocks.q8_0(src, blocks: blocks, into: out)
  case .q4_K: DequantizeKQuants.q4_K(src, blocks: blocks, into: out)
  case .q5_K: DequantizeKQuants.q5_K(src, blocks: blocks, into: out)
  case .q6_K: DequantizeKQuants.q6_K(src, blocks: blocks, into: out)
  case .q8_1, .q2_K, .q3_K, .q8_K: break  // rejected by `isSupported` before reaching here
  }
}

// MARK: - GGUF tensors

extension GGUFFile {
  /// The whole tensor as float32, row-major (`info.shape`).
  public func dequantize(_ info: GGUFTensorInfo, threads: Int = 1) throws -> [Float] {
    let count = info.elementCount
    guard count > 0 else { return [] }
    return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      try NxpFormats.dequantize(info.type, bytes(of: info), count: count, into: buffer.baseAddress!, threads: threads)
      initialized = count
    }
  }

  /// Rows `rows` of a matrix tensor (`dims[0]` is the row length) as float32.
  public func dequantizeRows(_ info: GGUFTensorInfo, rows: Range<Int>) throws -> [Float] {
    let rowLength = info.dims[0]
    let count = rows.count * rowLength
    guard count > 0 else { return [] }
    return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      try NxpFormats.dequantizeRows(info.type, bytes(of: info), rowLength: rowLength, rows: rows, into: buffer.baseAddress!)
      initialized = count
    }
  }
}
