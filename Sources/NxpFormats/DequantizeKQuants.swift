// The 256-value "K" super-block types. Each super-block holds 8 (Q4_K, Q5_K) or 16 (Q6_K)
// sub-blocks with their own integer scales. Layouts (bytes):
//   Q4_K  d f16, dmin f16, scales[12], qs[128]
//   Q5_K  d f16, dmin f16, scales[12], qh[32], qs[128]
//   Q6_K  ql[128], qh[64], scales[16] int8, d f16
// Q4_K/Q5_K: sub-block s (32 values) has a 6-bit scale sc_s and minimum m_s packed in `scales`;
// value = (d * sc_s) * q - (dmin * m_s). Q6_K: value = (d * scale_s) * (q - 32), 16 values per
// sub-block. The products are grouped as in ggml so results are bit-identical.

enum DequantizeKQuants {
  /// The 6-bit scale and minimum of sub-block `j` (0..<8) from the 12 packed bytes:
  /// bytes 0-3 hold scales 0-3 (low 6 bits) and the top 2 bits of scales 4-7; bytes 4-7 the same
  /// for minimums; bytes 8-11 hold the low 4 bits of scales 4-7 (low nibble) and minimums 4-7.
  @inline(__always)
  static func scaleMin(_ q: UnsafePointer<UInt8>, _ j: Int) -> (Float, Float) {
    if j < 4 {
      return (Float(q[j] & 63), Float(q[j + 4] & 63))
    }
    let sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
    let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
    return (Float(sc), Float(m))
  }

  static func q4_K(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 144
      let d = DequantizeHalf.load(block, 0)
      let dmin = DequantizeHalf.load(block, 2)
      let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
      let qs = (block + 16).assumingMemoryBound(to: UInt8.self)
      let y = out + b * 256
      // Four chunks of 32 bytes; low nibbles are sub-block 2c, high nibbles sub-block 2c+1.
      for c in 0..<4 {
        let (sc1, m1) = scaleMin(scales, 2 * c)
        let (sc2, m2) = scaleMin(scales, 2 * c + 1)
        let d1 = d * sc1, min1 = dmin * m1
        let d2 = d * sc2, min2 = dmin * m2
        let q = qs + 32 * c
        let y1 = y + 64 * c, y2 = y + 64 * c + 32
        for l in 0..<32 {
          y1[l] = d1 * Float(q[l] & 0x0F) - min1
          y2[l] = d2 * Float(q[l] >> 4) - min2
        }
      }
    }
  }

  static func q5_K(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 176
      let d = DequantizeHalf.load(block, 0)
      let dmin = DequantizeHalf.load(block, 2)
      let scales = (block + 4).assumingMemoryBound(to: UInt8.self)
      let qh = (block + 16).assumingMemoryBound(to: UInt8.self)
      let qs = (block + 48).assumingMemoryBound(to: UInt8.self)
      let y = out + b * 256
      // Sub-block s takes its fifth bit from bit s of qh[l].
      for c in 0..<4 {
        let (sc1, m1) = scaleMin(scales, 2 * c)
        let (sc2, m2) = scaleMin(scales, 2 * c + 1)
        let d1 = d * sc1, min1 = dmin * m1
        let d2 = d * sc2, min2 = dmin * m2
        let q = qs + 32 * c
        let shift1 = UInt8(2 * c), shift2 = UInt8(2 * c + 1)
        let y1 = y + 64 * c, y2 = y + 64 * c + 32
        for l in 0..<32 {
          let h = qh[l]
          y1[l] = d1 * Float((q[l] & 0x0F) | (((h >> shift1) & 1) << 4)) - min1
          y2[l] = d2 * Float((q[l] >> 4) | (((h >> shift2) & 1) << 4)) - min2
        }
      }
    }
  }

  static func q6_K(_ src: UnsafeRawPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
    for b in 0..<blocks {
      let block = src + b * 210
      let ql = block.assumingMemoryBound(to: UInt8.self)
      let qh = (block + 128).assumingMemoryBound(to: UInt8.self)
      let sc = (block + 192).assumingMemoryBound(to: Int8.self)
      let d = DequantizeHalf.load(block, 208)
      let y = out + b * 256
      // Two halves of 128 values. In half h, value 32*g + l (group g = 0..<4) takes its low
      // 4 bits from ql[64h + l] (g = 0, 2: low/high nibble) or ql[64h + 32 + l] (g = 1, 3) and
      // its top 2 bits from bits 2g, 2g+1 of qh[32h + l].
      for h in 0..<2 {
        let l0 = ql + 64 * h, h0 = qh + 32 * h, s0 = sc + 8 * h, y0 = y + 128 * h
        for l in 0..<32 {
          let s = l / 16
          let hb = h0[l]
          let q1 = Int32((l0[l] & 0x0F) | ((hb & 3) << 4)) - 32
          let q2 = Int32((l0[l + 32] & 0x0F) | (((hb >> 2) & 3) << 4)) - 32
          let q3 = Int32((l0[l] >> 4) | (((hb >> 4) & 3) << 4)) - 32
          let q4 = Int32((l0[l + 32] >> 4) | (((hb >> 6) & 3) << 4)) - 32
          y0[l] = (d * Float(s0[s])) * Float(q1)
          y0[l + 32] = (d * Float(s0[s + 2])) * Float(q2)
          y0[l + 64] = (d * Float(s0[s + 4])) * Float(q3)
          y0[l + 96] = (d * Float(s0[s + 6])) * Float(q4)
        }
      }
    }
  }
}
