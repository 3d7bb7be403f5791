import Foundation
import NxpTestSupport
import Testing

/// Hostile but realistic use of the `nxp` binary: every case once crashed, looked like success
/// or printed a confusing message.
@Suite struct HostileInputCLITests {
  func workspace(_ files: [String: String]) throws -> String {
    let dir = try TestEnvironment.temporaryDirectory("nxp-hostile")
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
  }

  @Test func unknownCommandAndMissingScriptAreBothUsageErrors() throws {
    let dir = try workspace([:])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let bogus = try CommandRunner.nxp(["bogus"], in: dir)
    #expect(bogus.status == 64, "\(bogus)")
    #expect(bogus.stderr == "error: 'bogus' is neither a command (run, repl, plan, cache) nor a script file\n")
    let ru = try CommandRunner.nxp(["rnu"], in: dir)
    #expect(ru.status == 64)
    #expect(ru.stderr.contains("did you mean `nxp run`?"), "\(ru.stderr)")
    #expect(try CommandRunner.nxp(["run", "bogus"], in: dir).status == 64)
  }

  @Test func pipedReplExitStatusSaysAnEntryFailed() throws {
    let dir = try workspace(["a.txt": "one\n"])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let clean = try CommandRunner.nxp(["repl"], in: dir, stdin: "show 1\nx = 2\nshow x\n")
    #expect(clean.status == 0, "\(clean)")
    #expect(clean.stdout == "1\n2\n")

    // A check error (here an overflow, which once ended the session) keeps the session going,
    // and the exit status is 65.
    let checked = try CommandRunner.nxp(["repl"], in: dir, stdin: "show 9223372036854775807 + 1\nshow 0...9223372036854775807\nshow 3\n")
    #expect(checked.status == 65, "\(checked)")
    #expect(checked.stdout == "3\n")
    #expect(checked.stderr.contains("<repl:1>:1:6: error: 9223372036854775807 + 1 overflows"))

    // A primitive that fails at run time: 70.
    let failed = try CommandRunner.nxp(["repl"], in: dir, stdin: "t = corpus(\"a.txt\") |> table\nshow t |> sort(by: \"nope\")\nshow 4\n")
    #expect(failed.status == 70, "\(failed)")
    #expect(failed.stdout == "4\n")
  }

  @Test func setInTheReplNeverMentionsTheCommandLineOption() throws {
    let dir = try workspace([:])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try CommandRunner.nxp(["repl"], in: dir, stdin: "param n = 2\n:set n=abc\n:set n=99999999999999999999\n:set n=3\nshow n\n")
    #expect(r.stdout == "n = 3\n3\n", "\(r)")
    #expect(!r.stderr.contains("--set"), "\(r.stderr)")
    #expect(r.stderr.contains("error: the value given for param `n` (an Int) is not usable: `abc` is not a number or a constant"))
    #expect(r.stderr.contains("error: the value given for param `n` (an Int) is not usable: integer '99999999999999999999' is too large"))
    #expect(r.status == 65)
  }

  @Test func badSetValueIsOneErrorThatSaysWhy() throws {
    let dir = try workspace(["p.nxp": "param n = 2\nparam m = n * 3\nshow m\n"])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (value, reason) in [("abc", "`abc` is not a number or a constant"), ("1/0", "division by zero")] {
      let r = try CommandRunner.nxp(["run", "p.nxp", "--set", "n=\(value)"], in: dir)
      #expect(r.status == 65)
      #expect(
        r.stderr == """
          p.nxp:1:7: error: the value given for param `n` (an Int) is not usable: \(reason)
           1 | param n = 2
             |       ^
             = help: give it as n=2 or another Int

          """)
    }
    let overflow = try CommandRunner.nxp(["run", "p.nxp", "--set", "n=9223372036854775807"], in: dir)
    #expect(overflow.status == 65)
    #expect(overflow.stderr.hasPrefix("p.nxp:2:11: error: 9223372036854775807 * 3 overflows"))
    #expect(!overflow.stderr.contains("must be a constant"))
  }

  @Test func saveToAPathWithoutExtensionSaysSo() throws {
    let dir = try workspace(["a.txt": "one\n", "s.nxp": "t = corpus(\"a.txt\") |> table\nsave(t, to: \"out\")\n"])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try CommandRunner.nxp(["run", "s.nxp"], in: dir)
    #expect(r.status == 70)
    #expect(
      r.stderr.hasPrefix(
        "s.nxp:2:1: error: save: 'out' has no file extension to tell the format; end it with .safetensors, .jsonl, .csv or .json"),
      "\(r.stderr)")
  }

  @Test func dataNeverSendsEscapesToTheTerminal() throws {
    let name = "evil\u{1B}[2J\u{07}.txt"
    let dir = try workspace([
      name: "doc with \u{1B}]0;title\u{07} inside\n",
      "e.nxp":
        "c = corpus(\"evil\\u{1B}[2J\\u{7}.txt\")\nshow c |> table |> select(\"text\")\nshow \"\\u{1B}[31mred\"\nshow corpus(\"gone\\u{1B}[5m.txt\")\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try CommandRunner.nxp(["run", "e.nxp"], in: dir)
    #expect(r.status == 65, "\(r)")
    #expect(!r.stderr.contains("\u{1B}") && !r.stderr.contains("\u{07}"), "\(r.stderr.debugDescription)")
    #expect(r.stderr.contains("'gone␛[5m.txt'"), "\(r.stderr)")

    try "c = corpus(\"evil\\u{1B}[2J\\u{7}.txt\")\nshow c |> table |> select(\"text\")\nshow \"\\u{1B}[31mred\"\n".write(
      toFile: dir + "/e.nxp", atomically: true, encoding: .utf8)
    let shown = try CommandRunner.nxp(["run", "e.nxp"], in: dir)
    #expect(shown.status == 0, "\(shown)")
    #expect(!shown.stdout.contains("\u{1B}") && !shown.stdout.contains("\u{07}"), "\(shown.stdout.debugDescription)")
    #expect(shown.stdout.hasSuffix("␛[31mred\n"), "\(shown.stdout)")
  }

  @Test func dumbTerminalsAndNoColorGetNoEscapes() throws {
    let dir = try workspace(["bad.nxp": "show 1\nx = recrod(1)\n"])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let out = try PythonReference.run("terminal_pty.py", [try TestEnvironment.productPath("nxp"), dir, "bad.nxp"])
    #expect(
      String(decoding: out, as: UTF8.self) == """
        TERM=xterm-256color: escapes yes
        TERM=dumb: escapes no
        TERM=xterm-256color NO_COLOR=1: escapes no

        """)
  }

  @Test func nonASCIITypedIntoTheTerminalReplArrivesWhole() throws {
    let dir = try workspace([:])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let out = try PythonReference.run("repl_unicode_pty.py", [try TestEnvironment.productPath("nxp"), dir])
    #expect(
      String(decoding: out, as: UTF8.self) == """
        héllo ✓
        naïve café
        日本語
        emoji 😀!

        """)
  }

  @Test func hugeSizesWithTheRealModelAreErrorsNotCrashes() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try workspace([
      "a.txt": (0..<40).map { "Document number \($0) talks about cats and dogs and the weather." }.joined(separator: "\n\n")
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let head = "model = load(\"smollm2-135m\")\ntexts = corpus(\"a.txt\") |> excerpts(model, tokens: 8, limit: 9223372036854775807)\n"
    let cases: [(String, String)] = [
      ("acts = record(model, texts, top: 9223372036854775807)\nshow acts\n", "error: record would need more than"),
      ("acts = record(model, texts, random: 9223372036854775807)\nshow acts\n", "error: record would need more than"),
      ("acts = record(model, texts, perQuantile: 9223372036854775807)\nshow acts\n", "error: record would need more than"),
      (
        "acts = record(model, texts, top: 1000000)\nshow acts\n",
        "of state for 46,080 neurons with top: 1000000, random: 20, perQuantile: 4, 8 tokens per excerpt; this machine has"
      ),
      (
        "acts = record(model, texts, layers: 0..<9223372036854775807)\nshow acts\n",
        "error: record: layers 0..<9223372036854775807 are outside 0..<30 of smollm2-135m"
      ),
    ]
    for (body, message) in cases {
      try (head + body).write(toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
      let r = try CommandRunner.nxp(["run", "r.nxp"], in: dir)
      #expect(r.status == 70, "\(body): \(r)")
      #expect(r.stderr.contains(message), "\(body): \(r.stderr)")
    }
    // A batch larger than everything and a limit past any corpus are fine.
    try
      (head
      + "show texts\nacts = record(model, texts, layers: [2], batch: 9223372036854775807)\nshow acts |> table |> head(1) |> select(\"neuron\")\n")
      .write(
        toFile: dir + "/r.nxp", atomically: true, encoding: .utf8)
    let ok = try CommandRunner.nxp(["run", "r.nxp"], in: dir)
    #expect(ok.status == 0, "\(ok)")
    #expect(ok.stdout.contains("neuron\n------\n2:0"), "\(ok.stdout)")
  }
}
