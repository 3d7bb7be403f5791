import Foundation
import NxpTestSupport
import Testing

/// The REPL driven through stdin (plain lines) and through a pseudo-terminal (libedit).
@Suite struct ReplTests {
  func workspace() throws -> String {
    let dir = try TestEnvironment.temporaryDirectory("nxp-repl")
    try "Hello world.\n\nSecond doc\nwith two lines.\n\nThird.\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
    return dir
  }

  @Test func scriptedThroughStdin() throws {
    let dir = try workspace()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let input = """
      param n = 2
      docs = corpus("a.txt")
      docs |> head(n) |> table |> select("text")
      xs = [
        1,
        2
      ]
      show xs
      recrod(docs)
      show n * 10
      small = docs |> head(n)
      :set n=1
      :why small
      small |> table |> select("bytes")
      :vars
      docs = corpus("a.txt", limit: 1)
      show small
      :nope
      :quit
      show 99

      """
    let r = try CommandRunner.nxp(["repl"], in: dir, stdin: input)
    // Piped input that had errors (`recrod`, `:nope`) exits with 65.
    #expect(r.status == 65)
    #expect(
      r.stdout == """
        text
        --------------------------
        Hello world.
        Second doc⏎with two lines.
        [1, 2]
        20
        n = 1; stale now: small
        small will recompute (key \(Self.key(r.stdout)) → \(Self.key(r.stdout, after: true))):
          params changed: n 2 → 1
        bytes
        -----
           12
        name   type    value            status
        -----  ------  ---------------  ---------
        n      param   1                
        docs   Corpus  corpus("a.txt")  in memory
        xs     [Int]   [1, 2]           constant
        small  Corpus  docs |> head(n)  in memory
        rebound docs; stale now: small (recomputed when next needed)
        Corpus a.txt: 1 document, 12 B
            0  Hello world.

        """)
    // Errors go to stderr and the session goes on; `show 99` after :quit never runs.
    #expect(r.stderr.contains("<repl:6>:1:1: error: unknown primitive `recrod`"))
    #expect(r.stderr.contains("unknown command :nope; try :help"))
    #expect(!r.stdout.contains("99"))
  }

  /// The keys `:why small` printed (they depend on the temporary folder's file hashes only
  /// through content, but are long to spell out).
  static func key(_ out: String, after: Bool = false) -> String {
    guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("small will recompute (key ") }) else { return "?" }
    let keys = line.dropFirst("small will recompute (key ".count).split(separator: " ")
    return after ? String(keys[2].prefix(12)) : String(keys[0])
  }

  @Test func helpDocumentsPrimitives() throws {
    let r = try CommandRunner.nxp(["repl"], stdin: ":help\n:help sort\n:help srot\n")
    #expect(r.stdout.contains("  sort           rows ordered by one or more columns"))
    #expect(r.stdout.contains("sort(table: Tabular, by: String or [String], descending: Bool = false) -> Table\n"))
    #expect(r.stdout.contains("  Tabular means a value that turns into a table"))
    #expect(r.stdout.contains("example:\n  show scores |> sort(by: \"score\", descending: true)\n"))
    #expect(r.stdout.contains("no primitive or directive named `srot`; did you mean `sort`?"))
  }

  @Test func replLoadsAScriptFirst() throws {
    let dir = try workspace()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "param n = 1\ndocs = corpus(\"a.txt\") |> head(n)\nshow docs\n".write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let r = try CommandRunner.nxp(["repl", "s.nxp"], in: dir, stdin: "show docs |> table |> select(\"bytes\")\n")
    #expect(r.stdout == "loaded 2 definitions from s.nxp; :vars lists them\nbytes\n-----\n   12\n")
  }

  /// libedit through a pseudo-terminal: completion, continuation prompt, Ctrl-C, history.
  @Test func interactiveThroughAPseudoTerminal() throws {
    _ = try TestEnvironment.defaultModelPath()
    let dir = try workspace()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let out = try PythonReference.run("repl_pty.py", [try TestEnvironment.productPath("nxp"), dir])
    #expect(
      String(decoding: out, as: UTF8.self) == """
        ok prompt
        ok completion of primitives and labels
        ok completion of bound names
        ok continuation prompt
        ok ctrl-c at the prompt
        ok error keeps the session
        ok ctrl-c during a computation
        ok quit
        ok history across sessions

        """)
  }
}
