import Foundation
import NxpRuntime
import Testing

/// Lazy evaluation: only what effects need runs, and cached values are loaded, not recomputed.
@Suite struct EvaluationTests {
  @Test func onlyWhatIsShownIsComputed() throws {
    let f = try ScriptFixture(files: ["a.txt": "one\n\ntwo\n\nthree\n", "b.txt": "x\n"])
    let out = try f.run("a = corpus(\"a.txt\")\nunused = corpus(\"b.txt\") |> table\nshow a |> head(2) |> table |> select(\"text\")\n")
    #expect(out == "text\n----\none\ntwo\n")
    // corpus, head, table, select: the unused binding never ran.
    #expect(f.session.evaluator.computed.count == 4)
  }

  @Test func aSecondSessionLoadsInsteadOfComputing() throws {
    let f = try ScriptFixture(files: ["a.txt": "one\n\ntwo\n"])
    let script = "a = corpus(\"a.txt\")\nshow a |> table |> sort(by: \"bytes\", descending: true)\n"
    let first = try f.run(script)
    let second = Session(cacheRoot: f.dir + "/.nxp/cache", environment: Environment(workingDirectory: f.dir))
    let (g, _) = second.graph(second.load(path: f.dir + "/script.nxp"))
    var out = ""
    try second.run(g!) { out += $0 }
    #expect(out == first)
    #expect(second.evaluator.computed.isEmpty)
    // Only the shown value is read back; its inputs stay on disk.
    #expect(second.evaluator.loaded.count == 1)
  }

  @Test func planShowsWhatWouldRun() throws {
    let f = try ScriptFixture(files: ["a.txt": "one\n"])
    let script = "a = corpus(\"a.txt\")\nb = a |> table\nunused = a |> head(1)\nshow b\n"
    var plan = Plan(graph: try f.graph(script), evaluator: f.session.evaluator)
    #expect(plan.rows.map(\.status) == [.willRun, .willRun, .notNeeded])
    _ = try f.run(script)
    let fresh = Session(cacheRoot: f.dir + "/.nxp/cache", environment: Environment(workingDirectory: f.dir))
    let (g, _) = fresh.graph(fresh.load(path: f.dir + "/script.nxp"))
    plan = Plan(graph: g!, evaluator: fresh.evaluator)
    #expect(plan.rows.map(\.status) == [.cached, .cached, .notNeeded])
    #expect(plan.render(title: "t").contains("3 nodes: 2 cached, 0 in memory, 0 will run, 1 not needed"))
  }

  @Test func runtimeErrorsPointAtTheCall() throws {
    let f = try ScriptFixture(files: ["a.txt": "one\n"])
    do {
      _ = try f.run("a = corpus(\"a.txt\") |> table\nshow a |> sort(by: \"byts\")\n")
      Issue.record("expected a failure")
    } catch let e as RuntimeFailure {
      #expect(e.diagnostic.range?.start.line == 2)
      #expect(e.message == "no column \"byts\"; the table has \"document\", \"bytes\", \"text\" (did you mean \"bytes\"?)")
    }
  }

  @Test func tableVerbs() throws {
    let f = try ScriptFixture(files: ["a.txt": "aa\n\nb\n\ncccc\n\ndd\n"])
    let out = try f.run(
      """
      t = corpus("a.txt") |> table
      show t |> sort(by: ["bytes", "document"], descending: true) |> select(["document", "bytes"])
      show t |> where("bytes", atLeast: 2) |> where("bytes", atMost: 2) |> select("text")
      show t |> where("document", in: [0, 3]) |> tail(1) |> select("text")
      """)
    #expect(
      out == """
        document  bytes
        --------  -----
               2      4
               3      2
               0      2
               1      1
        text
        ----
        aa
        dd
        text
        ----
        dd

        """)
  }

  @Test func savedFilesReadBack() throws {
    let f = try ScriptFixture(files: ["a.txt": "x,y\n\nz\"q\n"])
    _ = try f.run(
      "t = corpus(\"a.txt\") |> table\nsave(t, to: \"out/t.csv\")\nsave(t, to: \"out/t.jsonl\")\nsave([1, 2.5, \"s\"], to: \"out/v.json\")\n"
    )
    let csv = try String(contentsOfFile: f.dir + "/out/t.csv", encoding: .utf8)
    #expect(csv == "document,bytes,text\n0,3,\"x,y\"\n1,3,\"z\"\"q\"\n")
    let jsonl = try String(contentsOfFile: f.dir + "/out/t.jsonl", encoding: .utf8)
    #expect(jsonl == "{\"bytes\":3,\"document\":0,\"text\":\"x,y\"}\n{\"bytes\":3,\"document\":1,\"text\":\"z\\\"q\"}\n")
    let json = try String(contentsOfFile: f.dir + "/out/v.json", encoding: .utf8)
    #expect(json.contains("2.5"))
  }

  @Test func corpusFormats() throws {
    let f = try ScriptFixture(files: [
      "d.jsonl": "{\"text\": \"first\"}\n{\"text\": \"second\", \"id\": 2}\n\n",
      "e.jsonl": "{\"body\": \"x\"}\n",
      "bad.jsonl": "{\"text\": \"ok\"}\nnot json\n",
      "lines.txt": "one\ntwo\n\nthree\n",
    ])
    #expect(try f.run("show corpus(\"d.jsonl\") |> table |> select(\"text\")\n") == "text\n------\nfirst\nsecond\n")
    #expect(try f.run("show corpus(\"lines.txt\", split: \"lines\") |> table |> select(\"text\")\n") == "text\n-----\none\ntwo\nthree\n")
    #expect(try f.run("show corpus(\"*.txt\", split: \"file\") |> table |> select(\"bytes\")\n") == "bytes\n-----\n   14\n")
    do {
      _ = try f.run("show corpus(\"e.jsonl\")\n")
      Issue.record("expected a failure")
    } catch let e as RuntimeFailure {
      #expect(e.message.hasSuffix("e.jsonl:1:1: no \"text\" field (fields: \"body\"); pass `field:` to choose one"))
    }
    do {
      _ = try f.run("show corpus(\"bad.jsonl\")\n")
      Issue.record("expected a failure")
    } catch let e as RuntimeFailure {
      #expect(e.message.hasSuffix("bad.jsonl:2:1: not valid JSON (expected a JSON object with a \"text\" field)"))
    }
  }
}
