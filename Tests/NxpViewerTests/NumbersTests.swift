import Foundation
import Testing

@testable import NxpViewer

/// The fast three-decimal form of activations prints exactly what `String(format: "%.3f")` does.
@Suite struct NumbersTests {
  static func printf(_ x: Float) -> String {
    let s = String(format: "%.3f", Double(x))
    return s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
  }

  @Test func activationsPrintAsPrintfPrintsThem() {
    var generator = SystemRandomNumberGenerator()
    var values: [Float] = [0, -0, 0.0005, -0.0005, 0.0625, 0.0015, 0.0025, 1.0005, 2.5, -14.7679, 1e-8, -1e-8, 123_456.789, 3e9, -7.0e12]
    // Exact ties at the fourth decimal: printf rounds them half to even.
    for k in 0..<2000 { values.append(Float(k) / 16) }
    for _ in 0..<20_000 {
      let magnitude = Float.random(in: -6...6, using: &generator)
      values.append(Float.random(in: -1...1, using: &generator) * pow(10, magnitude))
    }
    var mismatches: [String] = []
    for v in values where Numbers.fixed(v) != Self.printf(v) {
      mismatches.append("\(v): \(Numbers.fixed(v)) vs \(Self.printf(v))")
    }
    #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    #expect(Numbers.fixed(Float.nan) == "–")
    #expect(Numbers.fixed(Float?.none) == "–")
  }
}
