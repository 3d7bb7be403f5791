import Foundation
import NxpCore
import Testing

@testable import NxpSyntax

/// Any input gives diagnostics, never a crash, and a clean parse prints back to itself.
@Suite struct RobustnessTests {
  /// SplitMix64: a small seeded generator, so every run checks the same inputs.
  struct Random: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static let primitives: Set<String> = [
    "load", "corpus", "excerpts", "record", "topk", "neurons", "head", "save", "f", "g",
  ]

  static let script = """
    # neurons of layer 6
    # %% Setup
    param layer = 6
    param n = 20 * 2 - 1
    model = load("smollm2-135m")
    texts = corpus("fortunes") |> excerpts(model, tokens: 64, limit: 4_000)
    acts  = record(model, texts, layers: [layer], note: \"\"\"
      several
      lines
      \"\"\")
    # %% Top
    top = topk(acts, k: 20, random: 20)
      |> neurons(layer: layer, first: n)
    show top |> head(5), acts; one = 6:123
    save({a: [0..<3, 0...2], "b c": -1.5e-3}, to: "x")
    """

  /// Checks the invariants every parse must keep, whatever the input.
  func check(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let result = parse(text)
    let size = text.utf8.count
    for d in result.diagnostics {
      guard let range = d.range else {
        Issue.record("diagnostic without a range: \(d.message)", sourceLocation: sourceLocation)
        continue
      }
      #expect(range.start.offset <= range.end.offset && range.end.offset <= size, sourceLocation: sourceLocation)
      #expect(range.start.line >= 1 && range.start.column >= 1, sourceLocation: sourceLocation)
      // Rendering must work for every diagnostic.
      #expect(!DiagnosticRenderer(colors: false).render(d).isEmpty, sourceLocation: sourceLocation)
    }
    #expect((result.status == .complete) == result.diagnostics.isEmpty, sourceLocation: sourceLocation)
    if result.status == .complete {
      let printed = result.script.description
      let again = parse(printed)
      #expect(again.diagnostics.map(\.message) == [], "\(text.debugDescription)", sourceLocation: sourceLocation)
      #expect(again.script.description == printed, sourceLocation: sourceLocation)
    }
    _ = Resolver(primitives: RobustnessTests.primitives).resolve(result)
  }

  @Test func randomBytes() {
    var rng = Random(state: 1)
    let alphabet = Array("abcfgx_019 .,:;=+-*/()[]{}|><\"\\#%\n\t\r'@é😀".utf8)
    for _ in 0..<400 {
      let length = Int.random(in: 0..<120, using: &rng)
      let bytes = (0..<length).map { _ in
        Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
      }
      check(String(decoding: bytes, as: UTF8.self))
    }
  }

  @Test func randomTokenSoup() {
    var rng = Random(state: 2)
    let pieces = [
      "(", ")", "[", "]", "{", "}", "|>", "x", "f", "=", "1", "2.5", ",", "\n", "show", "param", "import", "\"s\"",
      "\"\"\"", "6:1", "..<", "...", "-", "+", "*", ":", ".", ";", "# c\n", "\n# %% t\n", "k:", "none",
    ]
    for _ in 0..<600 {
      let count = Int.random(in: 0..<25, using: &rng)
      let text = (0..<count).map { _ in pieces.randomElement(using: &rng)! }.joined(
        separator: Bool.random(using: &rng) ? " " : "")
      check(text)
    }
  }

  @Test func everyPrefixOfAValidScript() {
    #expect(parse(RobustnessTests.script).diagnostics.map(\.message) == [])
    let characters = Array(RobustnessTests.script)
    for end in 0...characters.count {
      check(String(characters[0..<end]))
    }
  }

  @Test func deepestAcceptedTreesAreSafeOnASmallStack() {
    // Inputs at the nesting bounds, parsed, printed, resolved, compared and hashed on a thread
    // with a 2 MiB stack, a quarter of what threads get on Linux.
    let n = Parser.maxNesting - 2
    let h = Parser.maxHeight - 2
    let inputs = [
      String(repeating: "f([{a: (", count: n / 4) + "x" + String(repeating: ")}])", count: n / 4),
      "x = " + String(repeating: "-", count: n) + "1",
      "x = " + Array(repeating: "a", count: h).joined(separator: " * "),
      "x = a" + String(repeating: "[0]", count: h),
      "x = a" + String(repeating: " |> f", count: h),
    ]
    let outcomes = Outcomes()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      for text in inputs {
        let result = parse(text)
        let program = Resolver(primitives: ["f"]).resolve(result)
        var hasher = Hasher()
        result.script.statements.hash(into: &hasher)
        let same = result.script.statements == parse(text).script.statements
        outcomes.append(
          "\(result.diagnostics.count) \(program.diagnostics.count) \(same) \(result.script.description.count)")
      }
      done.signal()
    }
    thread.stackSize = 2 << 20
    thread.start()
    done.wait()
    #expect(outcomes.all == ["0 1 true 111", "0 0 true 141", "0 126 true 505", "0 1 true 383", "0 1 true 635"])
  }
}

/// Lines written by another thread, read after it signals.
final class Outcomes: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [String] = []

  func append(_ line: String) {
    lock.lock()
    defer { lock.unlock() }
    lines.append(line)
  }

  var all: [String] {
    lock.lock()
    defer { lock.unlock() }
    return lines
  }
}
