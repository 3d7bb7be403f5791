import Foundation
import NxpCore

// MARK: - Loading imports

/// Collects the definitions of a script and of everything it imports, depth first: a file's
/// imports are collected before its own definitions.
struct ImportCollector {
  struct Loaded {
    var script: Script
    var isMain: Bool
  }

  /// Deeper import chains than this are refused, which keeps the recursion shallow.
  static let maxDepth = 64

  var files: [Loaded] = []
  var keys = Set<String>()
  /// Files being collected, outermost first, for import cycles.
  var stack: [(key: String, file: SourceFile)] = []
  var diagnostics: [Diagnostic] = []
  /// Some imported file did not parse: names are not checked then.
  var importHasParseErrors = false

  mutating func collect(main script: Script) {
    collect(script, key: ImportCollector.key(for: script.file.path), isMain: true)
  }

  mutating func collect(_ script: Script, key: String, isMain: Bool) {
    keys.insert(key)
    stack.append((key, script.file))
    defer { stack.removeLast() }
    for statement in script.statements {
      guard case .import(let path, let pathRange) = statement.kind else { continue }
      let target = ImportCollector.path(path, importedFrom: script.file.path)
      let targetKey = ImportCollector.key(for: target)
      if let open = stack.firstIndex(where: { $0.key == targetKey }) {
        let chain = stack[open...].map(\.file.path) + [stack[open].file.path]
        diagnostics.append(
          .error("import cycle: \(chain.joined(separator: " -> "))", at: pathRange, in: script.file))
        continue
      }
      if keys.contains(targetKey) { continue }
      guard stack.count < ImportCollector.maxDepth else {
        diagnostics.append(.error("imports are nested too deeply", at: pathRange, in: script.file))
        continue
      }
      let imported: SourceFile
      do {
        imported = try ImportCollector.read(target)
      } catch let located as Diagnostic {
        diagnostics.append(located)
        continue
      } catch {
        diagnostics.append(.error("cannot import \"\(path)\": \(error)", at: pathRange, in: script.file))
        continue
      }
      let parsed = Parser.parse(imported)
      diagnostics += parsed.diagnostics
      if parsed.status != .complete { importHasParseErrors = true }
      collect(parsed.script, key: targetKey, isMain: false)
    }
    files.append(Loaded(script: script, isMain: isMain))
  }

  // MARK: - Paths

  /// `path` as seen from the directory of `importer`, kept relative when both are.
  static func path(_ path: String, importedFrom importer: String) -> String {
    if path.hasPrefix("/") || importer.hasPrefix("<") { return normalize(path) }
    let directory = (importer as NSString).deletingLastPathComponent
    return normalize(directory.isEmpty ? path : directory + "/" + path)
  }

  /// Removes `.` and resolves `..` against the component before it, without touching the disk.
  static func normalize(_ path: String) -> String {
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == "..", let last = parts.last, last != ".." {
        parts.removeLast()
        continue
      }
      if part == ".." && absolute { continue }
      parts.append(part)
    }
    let joined = parts.joined(separator: "/")
    return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
  }

  /// One key per file on disk, however the path was spelled.
  static func key(for path: String) -> String {
    if path.hasPrefix("<") { return path }
    return URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
  }

  static func read(_ path: String) throws -> SourceFile {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw UserError("no such file '\(path)'")
    }
    guard !isDirectory.boolValue else { throw UserError("'\(path)' is a directory") }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UserError("cannot read '\(path)'")
    }
    return try SourceFile.decode(data, path: path)
  }
}
