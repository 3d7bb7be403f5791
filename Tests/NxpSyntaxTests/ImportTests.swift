import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

/// Writes `files` (relative path: text) under a fresh directory and returns the directory.
func writeFiles(_ files: [String: String]) throws -> String {
  let dir = try TestEnvironment.temporaryDirectory("nxp-syntax")
  for (path, text) in files {
    let full = dir + "/" + path
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: full, atomically: true, encoding: .utf8)
  }
  return dir
}

@Suite struct ImportTests {
  let resolver = Resolver(primitives: primitives)

  @Test func importedBindingsAndParamsAreVisible() throws {
    let dir = try writeFiles([
      "prelude.nxp": "param layer = 6\nmodel = load(\"m\")\nshow model\n",
      "main.nxp": "import \"prelude.nxp\"\nacts = record(model, layers: [layer])\nshow acts\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/main.nxp")
    #expect(program.diagnostics.map(\.message) == [])
    #expect(program.definitions.map(\.name) == ["layer", "model", "acts"])
    #expect(program.definitions.map(\.isImported) == [true, true, false])
    #expect(program.definition(named: "model")?.file.path == dir + "/prelude.nxp")
    #expect(program.params.map(\.name) == ["layer"])
    // Only the main script's effects run.
    #expect(program.effects.map(\.statement.description) == ["show acts"])
    #expect(program.imports.map(\.file.path) == [dir + "/prelude.nxp"])
  }

  @Test func pathsAreRelativeToTheImportingFile() throws {
    let dir = try writeFiles([
      "exp/main.nxp": "import \"../lib/common.nxp\"\nx = f(base, common)\n",
      "lib/common.nxp": "import \"./base.nxp\"\ncommon = base + 1\n",
      "lib/base.nxp": "base = 1\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/exp/main.nxp")
    #expect(program.diagnostics.map(\.message) == [])
    #expect(program.imports.map(\.file.path) == [dir + "/lib/base.nxp", dir + "/lib/common.nxp"])
    #expect(program.definitions.map(\.name) == ["base", "common", "x"])
  }

  @Test func aFileImportedTwiceIsLoadedOnce() throws {
    let dir = try writeFiles([
      "main.nxp": "import \"a.nxp\"\nimport \"b.nxp\"\nx = f(a, b, base)\n",
      "a.nxp": "import \"base.nxp\"\na = base\n",
      "b.nxp": "import \"base.nxp\"\nb = base\n",
      "base.nxp": "base = 1\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/main.nxp")
    #expect(program.diagnostics.map(\.message) == [])
    #expect(program.imports.count == 3)
  }

  @Test func importCyclesAreReportedAtTheImportThatClosesThem() throws {
    let dir = try writeFiles([
      "a.nxp": "import \"b.nxp\"\nx = 1\n",
      "b.nxp": "y = 2\nimport \"a.nxp\"\n",
      "self.nxp": "import \"self.nxp\"\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/a.nxp")
    #expect(
      program.diagnostics.map { "\($0.file!.path):\($0.range!.start) \($0.message)" } == [
        "\(dir)/b.nxp:2:8 import cycle: \(dir)/a.nxp -> \(dir)/b.nxp -> \(dir)/a.nxp"
      ])
    let selfImport = resolver.load(path: dir + "/self.nxp")
    #expect(selfImport.diagnostics.map(\.message) == ["import cycle: \(dir)/self.nxp -> \(dir)/self.nxp"])
  }

  @Test func aMissingImportPointsAtThePath() throws {
    let dir = try writeFiles(["main.nxp": "x = 1\nimport \"nope.nxp\"\nimport \"sub\"\n", "sub/.keep": ""])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/main.nxp")
    #expect(
      located(program.diagnostics) == [
        "2:8 cannot import \"nope.nxp\": no such file '\(dir)/nope.nxp'",
        "3:8 cannot import \"sub\": '\(dir)/sub' is a directory",
      ])
  }

  @Test func aNameDefinedInAnImportAndTheScriptNamesBothFiles() throws {
    let dir = try writeFiles([
      "prelude.nxp": "x = 0\nmodel = load(\"m\")\n",
      "main.nxp": "import \"prelude.nxp\"\nmodel = load(\"other\")\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/main.nxp")
    let d = try #require(program.diagnostics.first)
    #expect(program.diagnostics.count == 1)
    #expect(
      "\(d.file!.path):\(d.range!.start) \(d.message)"
        == "\(dir)/main.nxp:2:1 `model` is already defined in \(dir)/prelude.nxp")
    #expect(
      d.notes.map { "\($0.file!.path):\($0.range!.start) \($0.message)" } == [
        "\(dir)/prelude.nxp:2:1 `model` is first defined here"
      ])
  }

  @Test func parseErrorsInsideAnImportedFileNameThatFileAndStopResolution() throws {
    let dir = try writeFiles([
      "prelude.nxp": "model = load(\"m\"\ny = zz\n",
      "main.nxp": "import \"prelude.nxp\"\nx = f(1)\n",
    ])
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let program = resolver.load(path: dir + "/main.nxp")
    #expect(
      program.diagnostics.map { "\($0.file!.path):\($0.range!.start) \($0.message)" } == [
        "\(dir)/prelude.nxp:1:17 expected ')' after arguments"
      ])
  }

  @Test func aMissingScript() {
    let program = resolver.load(path: "/nonexistent/dir/x.nxp")
    #expect(program.diagnostics.map(\.message) == ["cannot read script: no such file '/nonexistent/dir/x.nxp'"])
    #expect(program.hasErrors)
  }

  @Test(arguments: [
    ("prelude.nxp", "examples/main.nxp", "examples/prelude.nxp"),
    ("../lib/p.nxp", "examples/x/main.nxp", "examples/lib/p.nxp"),
    ("/abs/p.nxp", "x.nxp", "/abs/p.nxp"),
    ("p.nxp", "<repl>", "p.nxp"),
    ("p.nxp", "main.nxp", "p.nxp"),
    ("../p.nxp", "main.nxp", "../p.nxp"),
    ("./a/../b.nxp", "d/m.nxp", "d/b.nxp"),
    ("../../p.nxp", "/x/m.nxp", "/p.nxp"),
  ])
  func importPaths(_ path: String, _ importer: String, _ expected: String) {
    #expect(ImportCollector.path(path, importedFrom: importer) == expected)
  }
}
