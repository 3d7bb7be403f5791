import Foundation
import NxpCore
import NxpRuntime
import NxpSyntax
import NxpTestSupport

/// A script in a temporary folder with its own cache, run through the real session.
final class ScriptFixture {
  let dir: String
  let session: Session

  init(files: [String: String] = [:], overrides: [String: Value] = [:], registry: PrimitiveRegistry = .standard) throws {
    dir = try TestEnvironment.temporaryDirectory("nxp-runtime")
    for (name, text) in files {
      let path = dir + "/" + name
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    session = Session(
      cacheRoot: dir + "/.nxp/cache", environment: Environment(workingDirectory: dir), overrides: overrides, registry: registry)
  }

  deinit { try? FileManager.default.removeItem(atPath: dir) }

  func write(_ name: String, _ text: String) throws {
    try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
  }

  /// The graph of `text` saved as `name`, or the rendered diagnostics as an error.
  func graph(_ text: String, name: String = "script.nxp", overrides: [String: Value]? = nil) throws -> Graph {
    try write(name, text)
    if let overrides { session.overrides = overrides }
    let (g, diagnostics) = session.graph(session.load(path: dir + "/" + name))
    guard let g else { throw DiagnosticList(diagnostics) }
    return g
  }

  /// The keys of every binding that is a node.
  func keys(_ text: String, overrides: [String: Value] = [:]) throws -> [String: String] {
    let g = try graph(text, overrides: overrides)
    var out: [String: String] = [:]
    for (name, v) in g.bindings { if case .node(let n) = v { out[name] = n.key } }
    return out
  }

  /// Runs the script and returns what it printed.
  func run(_ text: String) throws -> String {
    let g = try graph(text)
    var out = ""
    try session.run(g) { out += $0 }
    return out
  }

  /// A new session on the same folder and cache (as a second `nxp run` would be).
  func freshSession(registry: PrimitiveRegistry = .standard) -> Session {
    Session(cacheRoot: dir + "/.nxp/cache", environment: Environment(workingDirectory: dir), registry: registry)
  }

  /// Runs `name` (already written) in `session` and returns what it printed.
  func run(file name: String, in session: Session) throws -> String {
    let (g, diagnostics) = session.graph(session.load(path: dir + "/" + name))
    guard let g else { throw DiagnosticList(diagnostics) }
    var out = ""
    try session.run(g) { out += $0 }
    return out
  }

  /// The diagnostics of a script that should not build, rendered without colours.
  func errors(_ text: String) throws -> String {
    try write("script.nxp", text)
    let (g, diagnostics) = session.graph(session.load(path: dir + "/script.nxp"))
    if g != nil { return "" }
    return DiagnosticRenderer(colors: false).render(diagnostics).replacingOccurrences(of: dir + "/", with: "")
  }
}
