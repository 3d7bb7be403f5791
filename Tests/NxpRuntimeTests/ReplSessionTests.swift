import Foundation
import NxpCore
import NxpRuntime
import Testing

/// Collects what a REPL session writes.
final class RecordingConsole: ReplConsole {
  var out = ""
  var err = ""
  func write(_ text: String) { out += text }
  func report(_ diagnostics: [Diagnostic]) { err += DiagnosticRenderer(colors: false).render(diagnostics) }
  func error(_ message: String) { err += message }

  /// Everything written since the last call.
  func take() -> (out: String, err: String) {
    defer {
      out = ""
      err = ""
    }
    return (out, err)
  }
}

/// The REPL's state machine, driven directly: no process, no terminal.
@Suite struct ReplSessionTests {
  func make() throws -> (ScriptFixture, ReplSession, RecordingConsole) {
    let f = try ScriptFixture(files: ["a.txt": "one\n\ntwo\n\nthree and more\n"])
    let console = RecordingConsole()
    return (f, ReplSession(session: f.session, console: console), console)
  }

  @Test func bindingsShowAndRebindingReportsStaleDependents() throws {
    let (f, repl, console) = try make()
    #expect(repl.handle("docs = corpus(\"\(f.dir)/a.txt\")"))
    #expect(repl.handle("n = docs |> table |> head(2)"))
    #expect(repl.handle("show n |> select(\"bytes\")"))
    #expect(console.take().out == "bytes\n-----\n    3\n    3\n")
    #expect(repl.handle("docs = corpus(\"\(f.dir)/a.txt\", split: \"lines\")"))
    #expect(console.take().out == "rebound docs; stale now: n (recomputed when next needed)\n")
    #expect(repl.definitions.map(\.name) == ["docs", "n"])
    #expect(repl.failures == 0)
  }

  @Test func definitionsAreOrderedByDependenciesAndCyclesAreRefused() throws {
    let (_, repl, console) = try make()
    #expect(repl.handle("b = a + 1\na = 2"))
    #expect(repl.definitions.map(\.name) == ["a", "b"])
    #expect(!repl.handle("a = b"))
    #expect(console.take().err.contains("this makes a cycle: b -> a -> b"))
    #expect(repl.definitions.map(\.name) == ["a", "b"])
    #expect(repl.failures == 1)
  }

  @Test func setOverridesAParamAndWhyExplainsTheChange() throws {
    let (f, repl, console) = try make()
    #expect(repl.handle("param k = 1\ndocs = corpus(\"\(f.dir)/a.txt\")\nfirst = docs |> head(k)\nshow first |> table |> select(\"text\")"))
    _ = console.take()
    #expect(repl.directive(":set k=2") == .proceed)
    #expect(console.take().out == "k = 2; stale now: first\n")
    _ = repl.directive(":why first")
    #expect(console.take().out.contains("params changed: n 1 → 2"))
    _ = repl.directive(":set nope=3")
    #expect(console.take().err == "error: no param `nope`\n")
    #expect(repl.failures == 1)
  }

  @Test func provListsTheManifestsThatMadeAValueNewestFirst() throws {
    let (f, repl, console) = try make()
    #expect(repl.handle("docs = corpus(\"\(f.dir)/a.txt\")\nshort = docs |> where(\"bytes\", below: 5) |> head(1)\nshow short"))
    _ = console.take()
    _ = repl.directive(":prov short")
    let out = console.take().out
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines.first == "provenance of short, newest first:")
    // head, then where, then corpus: each with its arguments; corpus with its file's hash.
    let heads = lines.filter { !$0.hasPrefix(" ") }.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] }
    #expect(Array(heads) == ["head", "where", "corpus"])
    #expect(out.contains("    arg      n: 1\n"))
    #expect(out.contains("    arg      below: 5\n"))
    #expect(!out.contains("above: none"), "arguments left at none are not listed")
    #expect(out.contains("    file     \(f.dir)/a.txt sha256 "))
    #expect(out.contains("(short)"))
    // What a value notes about itself (here who wrote the explanation) is listed too.
    #expect(repl.handle("mine = explanation(6:1, \"years\")\nshow mine"))
    _ = console.take()
    _ = repl.directive(":prov mine")
    #expect(console.take().out.contains("\n    backend  person\n"))
    _ = repl.directive(":prov nothing")
    #expect(console.take().err == "`nothing` is not bound\n")
    #expect(repl.handle("later = corpus(\"\(f.dir)/a.txt\") |> tail(1)"))
    _ = repl.directive(":prov later")
    #expect(console.take().out.hasPrefix("later has not been computed yet"))
  }

  @Test func directivesAndCompletion() throws {
    let (_, repl, console) = try make()
    #expect(repl.directive(":quit") == .quit)
    _ = repl.directive(":hepl")
    #expect(console.take().err == "unknown command :hepl; did you mean :help? (:help lists them)\n")
    _ = repl.directive(":help prov")
    #expect(console.take().out.contains(":prov name"))
    #expect(repl.handle("docs = 1"))
    #expect(repl.complete(line: "topk(x, ra", start: 8, end: 10) == ["random:"])
    #expect(repl.complete(line: ":prov d", start: 6, end: 7) == ["docs"])
    #expect(repl.complete(line: ":pr", start: 0, end: 3) == [":prov"])
    #expect(ReplSession.isIncomplete("x = head(") && !ReplSession.isIncomplete("x = 1"))
  }
}
