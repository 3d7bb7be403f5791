// The 32-value block types. Layouts (bytes, little-endian; "d"/"m" are f16 scale and minimum):
//   Q4_0  d, qs[16]            value j = (nibble_j - 8) * d
//   Q4_1  d, m, qs[16]         value j = nibble_j * d + m
//   Q5_0  d, qh u32, qs[16]    value j = ((nibble_j | bit_j(qh) << 4) - 16) * d
//   Q5_1  d, m, qh u32, qs[16] value j = (nibble_j | bit_j(qh) << 4) * d + m
//   Q8_0  d, qs[32] int8       value j = qs[j] * d
// Nibbles: value j < 16 is the low nibble of qs[j], value j + 16 its high nibble. The arithmetic
// order (multiply, then add) matches ggml's reference dequantizers so results are bit-identical.

enum DequantizeBlocks {
  static func q4_0(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 18
      let d = DequantizeHalf.load(block, 0)
      let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
      let y = out + b * 32
      for j in 0..<16 {
        let q = qs[j]
        y[j] = Float(Int32(q & 0x0F) - 8) * d
        y[j + 16] = Float(Int32(q >> 4) - 8) * d
      }
    }
  }

  static func q4_1(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 20
      let d = DequantizeHalf.load(block, 0)
      let m = DequantizeHalf.load(block, 2)
      let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
      let y = out + b * 32
      for j in 0..<16 {
        let q = qs[j]
        y[j] = Float(q & 0x0F) * d + m
        y[j + 16] = Float(q >> 4) * d + m
      }
    }
  }

  static func q5_0(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 22
      let d = DequantizeHalf.load(block, 0)
      let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
      let qs = (block + 6).assumingMemoryBound(to: UInt8.self)
      let y = out + b * 32
      for j in 0..<16 {
        let q = UInt32(qs[j])
        let lo = (q & 0x0F) | (((qh >> UInt32(j)) & 1) << 4)
        let hi = (q >> 4) | (((qh >> UInt32(j + 16)) & 1) << 4)
        y[j] = Float(Int32(lo) - 16) * d
        y[j + 16] = Float(Int32(hi) - 16) * d
      }
    }
  }

  static func q5_1(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 24
      let d = DequantizeHalf.load(block, 0)
      let m = DequantizeHalf.load(block, 2)
      let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
      let qs = (block + 8).assumingMemoryBound(to: UInt8.self)
      let y = out + b * 32
      for j in 0..<16 {
        let q = UInt32(qs[j])
        let lo = (q & 0x0F) | (((qh >> UInt32(j)) & 1) << 4)
        let hi = (q >> 4) | (((qh >> UInt32(j + 16)) & 1) << 4)
        y[j] = Float(lo) * d + m
        y[j + 16] = Float(hi) * d + m
      }
    }
  }

  static func q8_0(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 34
      let d = DequantizeHalf.load(block, 0)
      let qs = (block + 2).assumingMemoryBound(to: Int8.self)
      let y = out + b * 32
      for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }
  }
}
