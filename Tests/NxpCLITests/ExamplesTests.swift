import Foundation
import NxpTestSupport
import Testing

/// Every `Examples/*.nxp` runs with the real binary and prints exactly its `# expect:` lines; a
/// second run over the same cache prints the same and computes nothing.
@Suite(.serialized) struct ExamplesTests {
  static let examples: [String] = {
    let dir = TestEnvironment.repoRoot + "/Examples"
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".nxp") }.sorted()
  }()

  @Test func thereAreExamples() {
    #expect(ExamplesTests.examples.contains("quickstart.nxp"))
    #expect(ExamplesTests.examples.contains("tables.nxp"))
    #expect(ExamplesTests.examples.contains("explain.nxp"))
  }

  @Test(arguments: ExamplesTests.examples)
  func exampleOutputMatchesExpectations(_ name: String) throws {
    // Run in a copy so `save` writes never land in the repository.
    let work = try TestEnvironment.temporaryDirectory("nxp-example")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let copy = work + "/Examples"
    try FileManager.default.copyItem(atPath: TestEnvironment.repoRoot + "/Examples", toPath: copy)
    let script = try String(contentsOfFile: copy + "/" + name, encoding: .utf8)
    let expected = ExpectLines.parse(script)
    #expect(!expected.isEmpty, "\(name) has no # expect: lines")

    // `# test-args: --set neuronCount=3` runs a long example smaller; its expect lines are for that run.
    let extra = script.split(separator: "\n").filter { $0.hasPrefix("# test-args:") }.flatMap {
      $0.dropFirst("# test-args:".count).split(separator: " ").map(String.init)
    }
    let arguments = ["run", name, "--cache", work + "/cache", "--summary"] + extra
    let first = try CommandRunner.nxp(arguments, in: copy)
    #expect(first.status == 0, "\(first)")
    try Self.compare(first.stdout, expected, name)

    let second = try CommandRunner.nxp(arguments, in: copy)
    #expect(second.status == 0, "\(second)")
    #expect(second.stdout == first.stdout)
    #expect(second.stderr.contains("[0 computed,"), "re-run recomputed something: \(second.stderr)")
  }

  static func compare(_ stdout: String, _ expected: [String], _ name: String) throws {
    var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    for (i, e) in expected.enumerated() {
      guard i < lines.count else {
        Issue.record("\(name): output ended before expected line \(i + 1): \(e)")
        return
      }
      #expect(ExpectComparator.matches(lines[i], e), "\(name) line \(i + 1):\n  expected: \(e)\n  actual:   \(lines[i])")
    }
    #expect(lines.count == expected.count, "\(name): \(lines.count) output lines, \(expected.count) expected:\n\(stdout)")
  }
}

/// How an output line is compared with its `# expect:` line: text exactly, numbers with a
/// tolerance.
///
/// Floating-point results differ in their last digits between machines (README, "Correctness":
/// OpenBLAS chooses its sgemm kernel for the CPU it finds), so a decimal number
/// matches when it is within `relativeTolerance` of the expected one, plus one unit in the
/// expected number's last printed digit (a value that moved by less than the tolerance may still
/// round the other way). Integers (no decimal point or exponent) and all text must be equal; the
/// only slack in text is the padding next to a number, which moves when a column's width does.
enum ExpectComparator {
  /// Kurtosis 477.9469 on one machine is 477.9475 on another (1.3e-6 apart).
  static let relativeTolerance = 1e-5

  enum Piece: Equatable {
    case text(String)
    case number(String)
  }

  /// Splits a line into text and numbers (`-12`, `3.5`, `1e-3`, `-0.0167`, `2.5E+10`). A
  /// number must not continue a word (`v2` and `x1.5` stay text), and a leading `-` counts as
  /// a sign only when it does not follow a letter or digit.
  static func pieces(_ line: String) -> [Piece] {
    let chars = Array(line)
    var result: [Piece] = []
    var text = ""
    var i = 0
    func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
    while i < chars.count {
      let previous: Character? = i > 0 ? chars[i - 1] : nil
      var j = i
      if chars[j] == "-", j + 1 < chars.count, chars[j + 1].isASCII, chars[j + 1].isNumber { j += 1 }
      let startsNumber = chars[j].isASCII && chars[j].isNumber && !(previous.map(isWordChar) ?? false) && !(previous == "." && j == i)
      guard startsNumber else {
        text.append(chars[i])
        i += 1
        continue
      }
      var k = j
      while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }
      if k + 1 < chars.count, chars[k] == ".", chars[k + 1].isASCII, chars[k + 1].isNumber {
        k += 1
        while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }
      }
      if k < chars.count, chars[k] == "e" || chars[k] == "E" {
        var m = k + 1
        if m < chars.count, chars[m] == "-" || chars[m] == "+" { m += 1 }
        if m < chars.count, chars[m].isASCII, chars[m].isNumber {
          while m < chars.count, chars[m].isASCII, chars[m].isNumber { m += 1 }
          k = m
        }
      }
      // A number glued to a following letter (`3rd`, `64k`) is text.
      if k < chars.count, chars[k].isLetter || chars[k] == "_" {
        text += String(chars[i..<k])
        i = k
        continue
      }
      if !text.isEmpty { result.append(.text(text)) }
      text = ""
      result.append(.number(String(chars[i..<k])))
      i = k
    }
    if !text.isEmpty { result.append(.text(text)) }
    return result
  }

  static func numbersMatch(_ actual: String, _ expected: String) -> Bool {
    if actual == expected { return true }
    let isInteger = { (s: String) in !s.contains(".") && !s.lowercased().contains("e") }
    guard !isInteger(expected), !isInteger(actual), let a = Double(actual), let e = Double(expected) else { return false }
    let mantissa = expected.split(whereSeparator: { $0 == "e" || $0 == "E" })
    let decimals = mantissa[0].split(separator: ".").dropFirst().first?.count ?? 0
    let exponent = mantissa.count > 1 ? Double(mantissa[1]) ?? 0 : 0
    let lastDigit = pow(10, exponent - Double(decimals))
    return abs(a - e) <= relativeTolerance * abs(e) + lastDigit * 1.000_001
  }

  static func matches(_ actual: String, _ expected: String) -> Bool {
    let a = pieces(actual.trimmingTrailingSpaces), e = pieces(expected.trimmingTrailingSpaces)
    guard a.count == e.count else { return false }
    for (index, (x, y)) in zip(a, e).enumerated() {
      switch (x, y) {
      case (.number(let p), .number(let q)):
        guard numbersMatch(p, q) else { return false }
      case (.text(let p), .text(let q)):
        // Padding may differ only where the text touches a number.
        let afterNumber = index > 0, beforeNumber = index + 1 < e.count
        guard trim(p, leading: afterNumber, trailing: beforeNumber) == trim(q, leading: afterNumber, trailing: beforeNumber) else {
          return false
        }
      default: return false
      }
    }
    return true
  }

  static func trim(_ s: String, leading: Bool, trailing: Bool) -> Substring {
    var t = Substring(s)
    if leading { t = t.drop { $0 == " " } }
    if trailing {
      while t.last == " " { t = t.dropLast() }
    }
    return t
  }
}

extension String {
  fileprivate var trimmingTrailingSpaces: String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}

@Suite struct ExpectComparatorTests {
  @Test func textMustBeExact() {
    #expect(ExpectComparator.matches("The cat sat on the mat.", "The cat sat on the mat."))
    #expect(!ExpectComparator.matches("The cat sat on the mat.", "The cat sat on the hat."))
    #expect(!ExpectComparator.matches("Enjoy!  Things", "Enjoy! Things"))
    #expect(ExpectComparator.matches("trailing   ", "trailing"))
  }

  @Test func decimalsMatchWithinTheRelativeTolerance() {
    // The figures that differed on another machine of the same kind.
    #expect(
      ExpectComparator.matches(
        "6:1235      6   1235  12.8175  -0.1052    0.0506   13.8823  477.9475",
        "6:1235      6   1235  12.8175  -0.1052    0.0506   13.8823  477.9469"))
    #expect(
      ExpectComparator.matches(
        "6:89        6     89  11.9950  -0.0054    0.0398   19.9415  877.9573",
        "6:89        6     89  11.9950  -0.0054    0.0398   19.9415  877.9564"))
    // 477.9469 ± (1e-5 x 477.9469 + 0.0001) = ± 0.00488.
    #expect(ExpectComparator.matches("x 477.9517", "x 477.9469"))
    #expect(!ExpectComparator.matches("x 477.9519", "x 477.9469"))
    #expect(!ExpectComparator.matches("x 478.9469", "x 477.9469"))
    // One unit in the last printed digit: a value near a rounding edge.
    #expect(ExpectComparator.matches("mean 0.0168", "mean 0.0167"))
    #expect(!ExpectComparator.matches("mean 0.0169", "mean 0.0167"))
    #expect(ExpectComparator.matches("v 1.0000e-3", "v 1.0001e-3"))
    #expect(!ExpectComparator.matches("v 1.5e-3", "v 1.0e-3"))
  }

  @Test func integersAndIdentifiersMustBeExact() {
    #expect(!ExpectComparator.matches("position 1 id 504", "position 1 id 505"))
    #expect(!ExpectComparator.matches("6:212", "6:213"))
    #expect(!ExpectComparator.matches("14.7679", "14"))
    #expect(!ExpectComparator.matches("#30 text", "#31 text"))
    #expect(
      ExpectComparator.pieces("v2 x1.5 3rd 6:212 -0.5 a-1") == [
        .text("v2 x1.5 3rd "), .number("6"), .text(":"), .number("212"), .text(" "), .number("-0.5"), .text(" a-"), .number("1"),
      ])
  }

  @Test func paddingNextToANumberMayMoveWithItsWidth() {
    #expect(ExpectComparator.matches("6:35   1089.2  x", "6:35  1089.21  x"))
    #expect(!ExpectComparator.matches("6:35  1089.2 x  y", "6:35  1089.2 x y"))
  }
}
