import Foundation
import NxpCore
import NxpInterp
import NxpSyntax
import NxpTestSupport
import Testing

@testable import NxpRuntime

/// Numbers, sizes and values a new user tried that once trapped, wrapped silently or gave a
/// confusing message: each is now an error at the expression that says what to change.
@Suite struct HostileNumbersTests {
  // MARK: - Checked constant arithmetic

  @Test(arguments: [
    ("show (-9223372036854775807 - 1) / -1", "1:6", "-9223372036854775808 / -1 overflows: integers are 64-bit"),
    ("show 9223372036854775807 + 1", "1:6", "9223372036854775807 + 1 overflows: integers are 64-bit"),
    ("show -9223372036854775807 - 2", "1:6", "-9223372036854775807 - 2 overflows: integers are 64-bit"),
    ("show 3037000500 * 3037000500", "1:6", "3037000500 * 3037000500 overflows: integers are 64-bit"),
    ("show -(-9223372036854775807 - 1)", "1:6", "-(-9223372036854775808) overflows: integers are 64-bit"),
    ("show 0...9223372036854775807", "1:10", "range upper bound 9223372036854775807 is too large"),
    ("show 1e308 * 10", "1:6", "1e+308 * 10 overflows: the result is beyond"),
    ("show 1e-200 * 1e-200", "1:6", "1e-200 * 1e-200 underflows: the result is too small to represent"),
    ("show 1.5 / 0", "1:6", "division by zero"),
  ])
  func overflowIsAnErrorAtTheExpression(_ script: String, _ at: String, _ message: String) throws {
    let f = try ScriptFixture()
    let text = try f.errors(script + "\n")
    #expect(text.hasPrefix("script.nxp:\(at): error: \(message)"), "\(text)")
  }

  @Test func arithmeticInRangeIsUnchanged() throws {
    let f = try ScriptFixture()
    #expect(
      try f.run("show 9223372036854775806 + 1\nshow (-9223372036854775807 - 1) / 2\nshow 7 / 2\nshow 0...3\nshow 0.5 * 0.25\n") == """
        9223372036854775807
        -4611686018427387904
        3.5
        0..<4
        0.125

        """)
  }

  // MARK: - --set and :set values

  @Test(arguments: [
    ("abc", "`abc` is not a number or a constant"),
    ("99999999999999999999", "integer '99999999999999999999' is too large"),
    ("1/0", "division by zero"),
    ("1e999", "number '1e999' is too large"),
  ])
  func badOverrideSaysWhatIsWrongOnce(_ value: String, _ reason: String) throws {
    let f = try ScriptFixture()
    let (name, v) = try ParamOverride.parse("n=\(value)")
    f.session.overrides = [name: v]
    let text = try f.errors("param n = 2\nparam m = n * 3\nshow m\n")
    #expect(
      text == """
        script.nxp:1:7: error: the value given for param `n` (an Int) is not usable: \(reason)
         1 | param n = 2
           |       ^
           = help: give it as n=2 or another Int

        """)
    #expect(!text.contains("--set"))
  }

  @Test func overrideOfAnotherTypeNamesBothTypes() throws {
    let f = try ScriptFixture()
    f.session.overrides = ["n": .float(1.5)]
    #expect(
      try f.errors("param n = 2\nshow n\n").hasPrefix("script.nxp:1:7: error: the value given for param `n` is a Float, but `n` is an Int"))
    // A String param takes any text.
    f.session.overrides = ["s": ParamOverride.value("abc")]
    #expect(try f.run("param s = \"x\"\nshow s\n") == "abc\n")
  }

  // MARK: - Record sizes

  @Test func recordStateIsEstimatedBeforeAllocating() throws {
    let smol = RecordConfiguration(layers: Array(0..<30), neuronsPerLayer: 1536, excerptCount: 600)
    #expect(smol.checkedStateBytesPerNeuron == 32_392)
    #expect(smol.checkedStateBytes == 32_392 * 46_080)
    try smol.checkMemory(physicalMemory: 24 << 30)

    var huge = smol
    huge.top = 1_000_000
    // 1,000,000 * (4 * 64 + 8) + ... bytes per neuron, for 46,080 neurons.
    let perNeuron = 1_000_000 * 264 + 16 + 20 * 264 + 16 + 4 * (16 * 272 + 28) + 4096 + 128 + 16 + 40
    #expect(huge.checkedStateBytesPerNeuron == perNeuron)
    #expect(throws: UserError.self) { try huge.checkMemory(physicalMemory: 24 << 30) }
    do {
      try huge.checkMemory(physicalMemory: 24_000_000_000)
    } catch let e as UserError {
      #expect(
        e.message.hasPrefix(
          "record would need \(String(format: "%.1f", Double(perNeuron * 46_080) / 1e9)) GB of state for 46,080 neurons with top: 1000000, random: 20, perQuantile: 4, 64 tokens per excerpt; this machine has 24.0 GB"
        ),
        "\(e.message)")
    }

    for field in ["top", "random", "perQuantile"] {
      var c = smol
      switch field {
      case "top": c.top = .max
      case "random": c.random = .max
      default: c.perQuantile = .max
      }
      #expect(c.checkedStateBytesPerNeuron == nil)
      #expect(c.stateBytesPerNeuron == .max)
      #expect(throws: UserError.self) { try c.checkMemory(physicalMemory: 24 << 30) }
    }
  }

  @Test func topkAsksForWhatIsPossible() throws {
    let c = RecordConfiguration(layers: Array(0..<30), neuronsPerLayer: 1536, excerptCount: 600)
    do {
      try TopKOp.checkAgainstKept(k: 1_000_000, random: 20, perSplit: nil, c)
      Issue.record("no error")
    } catch let e as UserError {
      #expect(
        e.message.hasPrefix(
          "topk: k is 1000000 but the records keep only 20 top excerpts per neuron; use k: 20 or less (recording top: 1000000 would need "),
        "\(e.message)")
      #expect(!e.message.contains("record with top: 1000000 or more"))
    }
    #expect(throws: UserError.self) { try TopKOp.checkAgainstKept(k: 20, random: .max, perSplit: nil, c) }
    #expect(throws: UserError.self) { try TopKOp.checkAgainstKept(k: 20, random: 20, perSplit: .max, c) }
    try TopKOp.checkAgainstKept(k: 20, random: 20, perSplit: 5, c)
  }

  // MARK: - Messages

  @Test func saveAsABindingIsAnError() throws {
    let f = try ScriptFixture(files: ["a.txt": "one\n"])
    let text = try f.errors("t = corpus(\"a.txt\") |> table\nx = save(t, to: \"t.csv\")\n")
    #expect(
      text == """
        script.nxp:2:5: error: `x = save(...)` binds nothing: save returns no value
         2 | x = save(t, to: "t.csv")
           |     ^~~~~~~~~~~~~~~~~~~~
           = help: write `save(...)` as a statement on its own line, without `x =`, to run it

        """)
  }

  @Test func aMissingFileIsReportedOnceNotAtEveryUse() throws {
    let f = try ScriptFixture()
    let text = try f.errors("c = corpus(\"nope.txt\")\nt = c |> table\nshow t |> head(2)\nshow c |> head(1)\n")
    #expect(text.components(separatedBy: "no such file 'nope.txt'").count == 2, "\(text)")
    #expect(text.hasPrefix("script.nxp:1:5: error: corpus: no such file 'nope.txt'"))
  }

  @Test func aDeviceIsNotACorpusFile() throws {
    let f = try ScriptFixture()
    let text = try f.errors("show corpus(\"/dev/null\")\n")
    #expect(text.hasPrefix("script.nxp:1:6: error: corpus: '/dev/null' is a character device, not a text file"), "\(text)")
    #expect(!text.contains("directory"))
  }

  @Test func showOfAStringNeverWritesControlCharacters() throws {
    let f = try ScriptFixture()
    #expect(try f.run("show \"a\\u{1B}[2Jb\\u{7}\\nline two\"\nshow [\"\\u{1B}x\"]\n") == "a␛[2Jb␇\nline two\n[\"␛x\"]\n")
  }
}
