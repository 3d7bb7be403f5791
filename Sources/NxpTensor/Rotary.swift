import Foundation

// Rotary position embeddings. Each head vector's first `dimension` entries form dimension/2
// pairs; pair i at position p is rotated by the angle p * base^(-2i/dimension). Checkpoints
// disagree on which entries pair up:
//   adjacentPairs  (2i, 2i+1)          GGUF llama (conversion permuted the Q/K rows for this)
//   halfSplit      (i, i + dimension/2) Hugging Face llama ("rotate_half")

/// Which entries of a head vector form the rotated pairs.
public enum RotaryStyle: String, Sendable, Codable {
  case adjacentPairs
  case halfSplit
}

/// Cosines and sines for positions 0..<positions, `[positions, dimension/2]` each.
public final class RotaryTable: @unchecked Sendable {
  /// Rotated entries per head vector (even).
  public let dimension: Int
  /// The frequency base ("rope theta").
  public let base: Double
  /// Positions tabled so far.
  public private(set) var positions: Int = 0
  private(set) var cosines: [Float] = []
  private(set) var sines: [Float] = []
  private let lock = NSLock()

  public init(dimension: Int, base: Double, positions: Int = 0) {
    precondition(dimension > 0 && dimension % 2 == 0, "rotary dimension must be even")
    self.dimension = dimension
    self.base = base
    reserve(positions)
  }

  /// Makes sure positions 0..<n are tabled. Angles are computed in double, then rounded.
  public func reserve(_ n: Int) {
    lock.lock()
    defer { lock.unlock() }
    guard n > positions else { return }
    let half = dimension / 2
    var c = cosines, s = sines
    c.reserveCapacity(n * half)
    s.reserveCapacity(n * half)
    let inverseFrequencies = (0..<half).map { pow(base, -Double(2 * $0) / Double(dimension)) }
    for p in positions..<n {
      for i in 0..<half {
        let angle = Double(p) * inverseFrequencies[i]
        c.append(Float(cos(angle)))
        s.append(Float(sin(angle)))
      }
    }
    cosines = c
    sines = s
    positions = n
  }

  /// Rotates `heads` head vectors (each `headDim` floats, contiguous) in each of `rows` rows
  /// (row starts `ld` apart) in place; row r sits at position `firstPosition + r`. Positions must
  /// have been reserved.
  public func apply(
    _ x: UnsafeMutablePointer<Float>, rows: Int, ld: Int, heads: Int, headDim: Int, firstPosition: Int, style: RotaryStyle
  ) {
    precondition(firstPosition + rows <= positions, "rotary table too short")
    let half = dimension / 2
    cosines.withUnsafeBufferPointer { cb in
      sines.withUnsafeBufferPointer { sb in
        for r in 0..<rows {
          let c = cb.baseAddress! + (firstPosition + r) * half
          let s = sb.baseAddress! + (firstPosition + r) * half
          for h in 0..<heads {
            let v = x + r * ld + h * headDim
            switch style {
            case .halfSplit:
              var i = 0
              while i + 8 <= half {
                let a = load8(v + i), b = load8(v + i + half), cv = load8(c + i), sv = load8(s + i)
                store8(a * cv - b * sv, v + i)
                store8(b * cv + a * sv, v + i + half)
                i += 8
              }
              while i < half {
                let a = v[i], b = v[i + half]
                v[i] = a * c[i] - b * s[i]
                v[i + half] = b * c[i] + a * s[i]
                i += 1
              }
            case .adjacentPairs:
              for i in 0..<half {
                let a = v[2 * i], b = v[2 * i + 1]
                v[2 * i] = a * c[i] - b * s[i]
                v[2 * i + 1] = b * c[i] + a * s[i]
              }
            }
          }
        }
      }
    }
  }
}
