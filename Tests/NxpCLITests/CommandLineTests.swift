import Foundation
import NxpTestSupport
import Testing

/// The `nxp` binary: exit codes, diagnostics, plan, cache commands, concurrent runs.
@Suite struct CommandLineTests {
  func workspace(_ files: [String: String]) throws -> String {
    let dir = try TestEnvironment.temporaryDirectory("nxp-cli")
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
  }

  @Test func versionAndHelp() throws {
    let v = try CommandRunner.nxp(["--version"])
    #expect(v.status == 0)
    #expect(v.stdout == "0.1.0\n")
    for sub in [["run", "--help"], ["repl", "--help"], ["plan", "--help"], ["cache", "--help"], ["cache", "gc", "--help"]] {
      let h = try CommandRunner.nxp(sub)
      #expect(h.status == 0, "\(sub)")
      #expect(h.stdout.contains("USAGE: nxp \(sub[0])"), "\(sub): \(h.stdout)")
    }
  }

  @Test func exitCodesDistinguishUsageScriptAndRuntimeErrors() throws {
    let dir = try workspace([
      "ok.nxp": "show 1\n",
      "bad.nxp": "x = corpus(\"a.txt\", limt: 1)\ny = recrod(x)\n",
      "fails.nxp": "t = corpus(\"a.txt\") |> table\nshow t |> sort(by: \"nope\")\n",
      "a.txt": "hello\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try CommandRunner.nxp(["run", "ok.nxp"], in: dir).status == 0)
    #expect(try CommandRunner.nxp(["run", "missing.nxp"], in: dir).status == 64)
    #expect(try CommandRunner.nxp(["run"], in: dir).status == 64)
    #expect(try CommandRunner.nxp(["run", "ok.nxp", "--set", "x"], in: dir).status == 64)

    let bad = try CommandRunner.nxp(["run", "bad.nxp"], in: dir)
    #expect(bad.status == 65)
    #expect(bad.stdout == "")
    #expect(
      bad.stderr == """
        bad.nxp:1:21: error: corpus has no parameter `limt:`
         1 | x = corpus("a.txt", limt: 1)
           |                     ^~~~
           = help: did you mean `limit:`?
           = help: corpus takes `source:`, `split:`, `field:`, `limit:`
        bad.nxp:2:5: error: unknown primitive `recrod`
         2 | y = recrod(x)
           |     ^~~~~~
           = help: did you mean `record`?
        2 errors

        """)

    let fails = try CommandRunner.nxp(["run", "fails.nxp"], in: dir)
    #expect(fails.status == 70)
    #expect(fails.stderr.hasPrefix("fails.nxp:2:6: error: no column \"nope\""))
  }

  @Test func setOverridesParamsAndCellRunsOneCell() throws {
    let dir = try workspace(["p.nxp": "param n = 2\nshow n * 10\n# %% Second\nshow \"second cell\"\n# %% Third\nshow n\n"])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try CommandRunner.nxp(["run", "p.nxp"], in: dir).stdout == "20\n# %% Second\nsecond cell\n# %% Third\n2\n")
    #expect(try CommandRunner.nxp(["run", "p.nxp", "--set", "n=5"], in: dir).stdout == "50\n# %% Second\nsecond cell\n# %% Third\n5\n")
    #expect(try CommandRunner.nxp(["run", "p.nxp", "--cell", "Third", "--set", "n=7"], in: dir).stdout == "# %% Third\n7\n")
    let unknown = try CommandRunner.nxp(["run", "p.nxp", "--cell", "Thrid"], in: dir)
    #expect(unknown.status == 64)
    #expect(unknown.stderr == "error: p.nxp has no cell titled \"Thrid\"; did you mean \"Third\"? (cells: \"Second\", \"Third\")\n")
    let wrongParam = try CommandRunner.nxp(["run", "p.nxp", "--set", "m=1"], in: dir)
    #expect(wrongParam.status == 65)
    #expect(wrongParam.stderr.contains("`--set m=...` names no param of p.nxp"))
  }

  @Test func planListsNodesAndWhatWouldRun() throws {
    let dir = try workspace([
      "p.nxp": "docs = corpus(\"a.txt\")\nsizes = docs |> table\nunused = docs |> head(1)\nshow sizes |> sort(by: \"bytes\")\n",
      "a.txt": "hello\n\nworld!\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let before = try CommandRunner.nxp(["plan", "p.nxp"], in: dir)
    #expect(before.status == 0)
    let lines = before.stdout.split(separator: "\n").map(String.init)
    #expect(lines[0] == "plan of p.nxp (cache: \(dir)/.nxp/cache)")
    #expect(lines[1].hasPrefix("  binding  call"))
    #expect(lines[2].hasPrefix("  docs     corpus(\"a.txt\")"))
    #expect(lines[2].hasSuffix("will run"))
    #expect(lines[4].hasPrefix("  unused   docs |> head(1)"))
    #expect(lines[4].hasSuffix("not needed"))
    #expect(lines.last == "4 nodes: 0 cached, 0 in memory, 3 will run, 1 not needed")
    #expect(try CommandRunner.nxp(["run", "p.nxp"], in: dir).status == 0)
    let after = try CommandRunner.nxp(["plan", "p.nxp"], in: dir)
    #expect(after.stdout.hasSuffix("4 nodes: 3 cached, 0 in memory, 0 will run, 1 not needed\n"))
  }

  @Test func cacheCommands() throws {
    let dir = try workspace([
      "p.nxp": "show corpus(\"a.txt\") |> table\n", "q.nxp": "show corpus(\"b.txt\")\n", "a.txt": "hello\n", "b.txt": "other\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try CommandRunner.nxp(["cache", "ls"], in: dir).stdout.hasSuffix("is empty\n"))
    _ = try CommandRunner.nxp(["run", "p.nxp"], in: dir)
    _ = try CommandRunner.nxp(["run", "q.nxp"], in: dir)
    let ls = try CommandRunner.nxp(["cache", "ls"], in: dir)
    #expect(ls.stdout.contains("3 entries"))
    let key = String(ls.stdout.split(separator: "\n")[2].prefix(12))
    let info = try CommandRunner.nxp(["cache", "info", key], in: dir)
    #expect(info.status == 0)
    #expect(info.stdout.contains("\"primitive\""))
    #expect(try CommandRunner.nxp(["cache", "info", "zzzz"], in: dir).status == 64)
    #expect(try CommandRunner.nxp(["cache", "verify"], in: dir).stdout == "checked 3 entries: 0 corrupt\n")
    // Keeping only p.nxp's values deletes q.nxp's one.
    let gc = try CommandRunner.nxp(["cache", "gc", "p.nxp"], in: dir)
    #expect(gc.stdout.hasPrefix("deleted 1 entries"), "\(gc)")
    #expect(try CommandRunner.nxp(["cache", "ls"], in: dir).stdout.contains("2 entries"))
    // With no scripts named, the scripts that ran are the roots: nothing more goes.
    #expect(try CommandRunner.nxp(["cache", "gc"], in: dir).stdout.hasPrefix("deleted 0 entries"))
    #expect(try CommandRunner.nxp(["cache", "gc", "--all"], in: dir).stdout.hasPrefix("deleted 2 entries"))
  }

  @Test func cacheFolderFromFlagAndEnvironment() throws {
    let dir = try workspace(["p.nxp": "show corpus(\"a.txt\") |> table\n", "a.txt": "hello\n"])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try CommandRunner.nxp(["run", "p.nxp", "--cache", dir + "/c1"], in: dir)
    _ = try CommandRunner.nxp(["run", "p.nxp"], in: dir, environment: ["NXP_CACHE_DIR": dir + "/c2"])
    #expect(FileManager.default.fileExists(atPath: dir + "/c1/objects"))
    #expect(FileManager.default.fileExists(atPath: dir + "/c2/objects"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/.nxp"))
  }

  /// Two processes computing the same script on one cache both succeed and leave it consistent.
  @Test func twoProcessesShareOneCache() throws {
    var docs = ""
    for i in 0..<3000 { docs += "document number \(i) with some words in it\n\n" }
    let script =
      "t = corpus(\"big.txt\") |> table\nshow t |> sort(by: \"bytes\", descending: true) |> head(3)\nshow t |> where(\"text\", contains: \"99\") |> head(2)\n"
    let dir = try workspace(["p.nxp": script, "big.txt": docs])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let bin = try TestEnvironment.productPath("nxp")
    var results: [CommandResult?] = [nil, nil, nil, nil]
    DispatchQueue.concurrentPerform(iterations: 4) { i in
      results[i] = try? CommandRunner.run(bin, ["run", "p.nxp"], in: dir)
    }
    let outputs = results.compactMap { $0 }
    #expect(outputs.count == 4)
    for r in outputs { #expect(r.status == 0, "\(r)") }
    #expect(Set(outputs.map(\.stdout)).count == 1)
    #expect(try CommandRunner.nxp(["cache", "verify"], in: dir).stdout == "checked 6 entries: 0 corrupt\n")
    let again = try CommandRunner.nxp(["run", "p.nxp", "--summary"], in: dir)
    #expect(again.stdout == outputs[0].stdout)
    #expect(again.stderr.hasPrefix("[0 computed, 2 loaded from cache"))
  }
}
