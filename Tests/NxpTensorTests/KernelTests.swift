import Foundation
import Testing

@testable import NxpTensor

/// Deterministic pseudo-random floats in [-scale, scale].
func randomFloats(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
  var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
  return (0..<n).map { _ in
    s ^= s << 13
    s ^= s >> 7
    s ^= s << 17
    return (Float(s >> 40) / Float(1 << 24) * 2 - 1) * scale
  }
}

func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
  zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

@Suite struct KernelTests {
  // MARK: - sgemm

  /// Seven rows go through sgemm, one row through the matrix-vector path.
  @Test(arguments: [(false, false), (false, true), (true, false), (true, true)], [7, 1])
  func sgemmMatchesNaiveProduct(transposes: (Bool, Bool), m: Int) {
    let (transposeA, transposeB) = transposes
    let n = 5, k = 9
    let a = randomFloats(m * k, seed: 1), b = randomFloats(k * n, seed: 2), c0 = randomFloats(m * n, seed: 3)
    var c = c0
    // op(A)[i, p]: A stored [m, k] or, transposed, [k, m].
    func opA(_ i: Int, _ p: Int) -> Double { Double(transposeA ? a[p * m + i] : a[i * k + p]) }
    func opB(_ p: Int, _ j: Int) -> Double { Double(transposeB ? b[j * k + p] : b[p * n + j]) }
    c.withUnsafeMutableBufferPointer { cb in
      BLAS.sgemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: transposeA ? m : k,
        b: b, ldb: transposeB ? k : n, beta: 2, c: cb.baseAddress!, ldc: n)
    }
    var expected = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += opA(i, p) * opB(p, j) }
        expected[i * n + j] = 0.5 * s + 2 * Double(c0[i * n + j])
      }
    }
    #expect(maxAbsDiff(c, expected) < 1e-5)
  }

  // MARK: - Exp and activations

  @Test func fastExpRelativeErrorBelow2e7() {
    var worst = 0.0
    var x: Float = -87
    while x < 88 {
      let e = Double(fastExp(x)), ref = exp(Double(x))
      worst = max(worst, abs(e - ref) / ref)
      x += 0.0137
    }
    #expect(worst < 2e-7, "worst relative error \(worst)")
    #expect(fastExp(Float(-1000)) > 0 && fastExp(Float(-1000)) < 2e-38)
    #expect(fastExp(Float(1000)).isFinite && fastExp(Float(1000)) > 1e38)
    #expect(fastExp(Float(0)) == 1)
  }

  @Test func swiGLUAndGELUMatchFormulas() {
    let rows = 3, width = 21
    let gu = randomFloats(rows * 2 * width, seed: 5, scale: 8)
    var out = [Float](repeating: .nan, count: rows * width)
    gu.withUnsafeBufferPointer { g in
      out.withUnsafeMutableBufferPointer { o in
        Activations.swiGLU(
          gate: g.baseAddress!, up: g.baseAddress! + width, ldIn: 2 * width, rows: rows, width: width, into: o.baseAddress!,
          ldOut: width)
      }
    }
    var expected: [Double] = []
    for r in 0..<rows {
      for j in 0..<width {
        let g = Double(gu[r * 2 * width + j]), u = Double(gu[r * 2 * width + width + j])
        expected.append(g / (1 + exp(-g)) * u)
      }
    }
    #expect(maxAbsDiff(out, expected) < 1e-5)

    let x = randomFloats(37, seed: 6, scale: 6), bias = randomFloats(37, seed: 7)
    var gelu = [Float](repeating: .nan, count: 37)
    x.withUnsafeBufferPointer { xb in
      gelu.withUnsafeMutableBufferPointer { o in
        Activations.biasGELU(xb.baseAddress!, ldIn: 37, bias: bias, rows: 1, width: 37, into: o.baseAddress!, ldOut: 37)
      }
    }
    var geluExpected: [Double] = []
    for i in 0..<37 {
      let v = Double(x[i]) + Double(bias[i])
      let inner: Double = (2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)
      geluExpected.append(0.5 * v * (1 + tanh(inner)))
    }
    #expect(maxAbsDiff(gelu, geluExpected) < 2e-6)
    #expect(gelu.allSatisfy { $0.isFinite })
  }

  // MARK: - Norms and softmax

  @Test func normsMatchFormulas() {
    let rows = 2, width = 19
    let x = randomFloats(rows * width, seed: 8, scale: 3), w = randomFloats(width, seed: 9), b = randomFloats(width, seed: 10)
    var rms = [Float](repeating: 0, count: rows * width)
    var ln = rms
    rms.withUnsafeMutableBufferPointer { o in
      Norms.rmsNorm(x, ldIn: width, rows: rows, width: width, weight: w, epsilon: 1e-5, into: o.baseAddress!, ldOut: width)
    }
    ln.withUnsafeMutableBufferPointer { o in
      Norms.layerNorm(x, ldIn: width, rows: rows, width: width, weight: w, bias: b, epsilon: 1e-5, into: o.baseAddress!, ldOut: width)
    }
    var rmsExpected: [Double] = []
    var lnExpected: [Double] = []
    for r in 0..<rows {
      let row: [Double] = x[(r * width)..<((r + 1) * width)].map(Double.init)
      var squares = 0.0, total = 0.0
      for value in row {
        squares += value * value
        total += value
      }
      let rmsScale = 1 / (squares / Double(width) + 1e-5).squareRoot()
      let mean = total / Double(width)
      var variance = 0.0
      for value in row { variance += (value - mean) * (value - mean) }
      let lnScale = 1 / (variance / Double(width) + 1e-5).squareRoot()
      for i in 0..<width {
        rmsExpected.append(row[i] * rmsScale * Double(w[i]))
        lnExpected.append((row[i] - mean) * lnScale * Double(w[i]) + Double(b[i]))
      }
    }
    #expect(maxAbsDiff(rms, rmsExpected) < 2e-6)
    #expect(maxAbsDiff(ln, lnExpected) < 2e-6)
  }

  @Test func softmaxAndLogSoftmaxMatchFormulas() {
    let x = randomFloats(29, seed: 11, scale: 30)
    var s = x
    var l = x
    s.withUnsafeMutableBufferPointer { Softmax.softmax($0.baseAddress!, count: 29) }
    l.withUnsafeMutableBufferPointer { Softmax.logSoftmax($0.baseAddress!, into: $0.baseAddress!, count: 29) }
    let m = Double(x.max()!)
    let e: [Double] = x.map { exp(Double($0) - m) }
    let z = e.reduce(0, +)
    #expect(maxAbsDiff(s, e.map { $0 / z }) < 1e-6)
    #expect(maxAbsDiff(l, x.map { Double($0) - m - log(z) }) < 1e-5)
    #expect(abs(s.reduce(0, +) - 1) < 1e-5)
  }

  // MARK: - Rotary

  @Test func rotaryStylesMatchFormulaAndEachOther() {
    let headDim = 16, heads = 2, rows = 3, first = 5
    let table = RotaryTable(dimension: headDim, base: 10000, positions: first + rows)
    let x = randomFloats(rows * heads * headDim, seed: 12)
    var adjacent = x
    adjacent.withUnsafeMutableBufferPointer {
      table.apply(
        $0.baseAddress!, rows: rows, ld: heads * headDim, heads: heads, headDim: headDim, firstPosition: first, style: .adjacentPairs)
    }
    var expected: [Double] = []
    for r in 0..<rows {
      for h in 0..<heads {
        let start = (r * heads + h) * headDim
        let v: [Double] = x[start..<(start + headDim)].map(Double.init)
        var o = v
        for i in 0..<(headDim / 2) {
          let angle = Double(first + r) * pow(10000, -Double(2 * i) / Double(headDim))
          o[2 * i] = v[2 * i] * cos(angle) - v[2 * i + 1] * sin(angle)
          o[2 * i + 1] = v[2 * i + 1] * cos(angle) + v[2 * i] * sin(angle)
        }
        expected += o
      }
    }
    #expect(maxAbsDiff(adjacent, expected) < 1e-6)

    // The same rotation in half-split order: entry 2i goes to i, 2i+1 to i + D/2.
    func toHalfSplit(_ v: [Float]) -> [Float] {
      var out = v
      for block in 0..<(v.count / headDim) {
        for i in 0..<(headDim / 2) {
          out[block * headDim + i] = v[block * headDim + 2 * i]
          out[block * headDim + i + headDim / 2] = v[block * headDim + 2 * i + 1]
        }
      }
      return out
    }
    var split = toHalfSplit(x)
    split.withUnsafeMutableBufferPointer {
      table.apply($0.baseAddress!, rows: rows, ld: heads * headDim, heads: heads, headDim: headDim, firstPosition: first, style: .halfSplit)
    }
    #expect(split == toHalfSplit(adjacent))
  }

  // MARK: - Attention

  /// Six query heads over two kv heads, four new queries after three cached positions.
  @Test func causalAttentionMatchesNaiveGQA() {
    let heads = 6, kvHeads = 2, d = 8, keys = 7, queries = 4
    let q = randomFloats(queries * heads * d, seed: 13), k = randomFloats(keys * kvHeads * d, seed: 14)
    let v = randomFloats(keys * kvHeads * d, seed: 15)
    var scores = [Float](repeating: 0, count: queries * keys)
    var out = [Float](repeating: .nan, count: queries * heads * d)
    scores.withUnsafeMutableBufferPointer { s in
      out.withUnsafeMutableBufferPointer { o in
        Attention.causal(
          q: q, ldq: heads * d, k: k, ldk: kvHeads * d, v: v, ldv: kvHeads * d, queries: queries, keys: keys,
          heads: heads, kvHeads: kvHeads, headDim: d, scores: s.baseAddress!, out: o.baseAddress!, ldo: heads * d)
      }
    }
    var expected = [Double](repeating: 0, count: queries * heads * d)
    for h in 0..<heads {
      let g = h / (heads / kvHeads)
      for i in 0..<queries {
        let visible = keys - queries + i + 1
        var w = [Double](repeating: 0, count: visible)
        for j in 0..<visible {
          var dot = 0.0
          for c in 0..<d { dot += Double(q[i * heads * d + h * d + c]) * Double(k[j * kvHeads * d + g * d + c]) }
          w[j] = dot / Double(d).squareRoot()
        }
        let m = w.max()!
        w = w.map { exp($0 - m) }
        let z = w.reduce(0, +)
        for c in 0..<d {
          var acc = 0.0
          for j in 0..<visible { acc += w[j] / z * Double(v[j * kvHeads * d + g * d + c]) }
          expected[i * heads * d + h * d + c] = acc
        }
      }
    }
    #expect(maxAbsDiff(out, expected) < 1e-5)
  }

  // MARK: - Buffers and measurement

  @Test func floatMatrixReshapeKeepsAllocationWhenItFits() {
    let m = FloatMatrix(rows: 4, columns: 8)
    let p = m.pointer
    m.reshape(rows: 2, columns: 16)
    #expect(m.pointer == p && m.count == 32)
    m.reshape(rows: 5, columns: 16)
    #expect(m.capacity >= 80 && m.rows == 5)
    m[4, 15] = 3
    #expect(m.row(4)[15] == 3 && m.toArray().count == 80)
  }

  @Test func sgemmMeasurementReportsARate() {
    let r = SgemmBenchmark.measure(m: 64, n: 64, k: 64, threads: 1, minimumSeconds: 0.01)
    #expect(r.gflops > 0.1 && r.seconds >= 0.01)
    let two = SgemmBenchmark.measure(m: 64, n: 64, k: 64, threads: 1, concurrentCallers: 2, minimumSeconds: 0.01)
    #expect(two.concurrentCallers == 2 && two.gflops > 0.1)
  }
}
