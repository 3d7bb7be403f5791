import Foundation
import NxpCore

extension ReplSession {
  /// `:help` lists everything; `:help name` documents one primitive or directive.
  public func help(_ topic: String) -> String {
    let registry = session.registry
    if topic.isEmpty {
      var out = "Statements: name = expr | param name = constant | show expr, ... | expr | import \"file.nxp\"\n"
      out += "Directives:\n"
      out += "  :help [name]     this list, or one primitive's signature and an example\n"
      out += "  :vars            bound names, their types and whether they are computed\n"
      out += "  :plan            every node: cached, in memory, or would run\n"
      out += "  :set name=value  override a param; what depends on it becomes stale\n"
      out += "  :why name        why a value would be recomputed\n"
      out += "  :prov name       the manifests that produced a value, newest first\n"
      out += "  :cache           where the cache is and how big\n"
      out += "  :quit            leave (Ctrl-D too); Ctrl-C interrupts a computation\n"
      out += "Primitives:\n"
      let names = registry.names.filter { $0 != "index" }
      let width = names.map(\.count).max() ?? 0
      for name in names.sorted() {
        guard let p = registry.primitive(name) else { continue }
        out += "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + p.summary + "\n"
      }
      return out
    }
    let name = topic.hasPrefix(":") ? String(topic.dropFirst()) : topic
    guard let p = registry.primitive(name) else {
      if ReplSession.directives.contains(name) {
        return help("").split(separator: "\n").filter { $0.contains(":\(name)") }.joined(separator: "\n") + "\n"
      }
      var message = "no primitive or directive named `\(TerminalText.visible(name))`"
      if let s = NameSuggester.suggest(name, from: registry.names.union(ReplSession.directives)) { message += "; did you mean `\(s)`?" }
      return message + "\n"
    }
    var out = p.signature + "\n  " + p.summary + "\n"
    for param in p.params {
      out += "  " + (param.positional ? "\(param.name) (positional)" : "\(param.name):") + "  \(param.type)"
      if let d = param.defaultValue { out += " = \(d)" }
      out += "  — \(param.doc)\n"
    }
    for line in Set(p.params.flatMap(\.type.capabilityHelp)).sorted() { out += "  \(line)\n" }
    out += "example:\n  \(p.example)\n"
    return out
  }

  // MARK: - Completion

  /// Candidates for the word at byte offsets `start..<end` of `line`: directives after `:`,
  /// parameter labels inside a call, else primitives and bound names.
  public func complete(line: String, start: Int, end: Int) -> [String] {
    let bytes = Array(line.utf8)
    guard start <= end, end <= bytes.count else { return [] }
    let word = String(decoding: bytes[start..<end], as: UTF8.self)
    let before = String(decoding: bytes[0..<start], as: UTF8.self)
    if before.trimmingCharacters(in: .whitespaces).isEmpty && word.hasPrefix(":") {
      return ReplSession.directives.map { ":" + $0 }.filter { $0.hasPrefix(word) }
    }
    let directive = before.trimmingCharacters(in: .whitespaces)
    if directive == ":help" {
      return session.registry.names.filter { $0 != "index" }.sorted().filter { $0.hasPrefix(word) }
    }
    if directive == ":why" || directive == ":prov" || directive == ":set" {
      return definitions.map(\.name).filter { $0.hasPrefix(word) }.sorted()
    }
    var candidates: [String] = []
    if let callee = ReplSession.enclosingCall(before), let p = session.registry.primitive(callee) {
      candidates += p.params.map { $0.name + ":" }
    }
    candidates += session.registry.names.filter { $0 != "index" }.map { $0 + "(" }
    candidates += definitions.map(\.name)
    candidates += ["show", "param", "import", "true", "false", "none"]
    return Array(Set(candidates.filter { $0.hasPrefix(word) })).sorted()
  }

  /// The primitive whose argument list the cursor is in: the name before the innermost open `(`.
  public static func enclosingCall(_ text: String) -> String? {
    var depth = 0
    let chars = Array(text)
    var i = chars.count - 1
    while i >= 0 {
      let c = chars[i]
      if c == ")" {
        depth += 1
      } else if c == "(" {
        if depth == 0 {
          var j = i - 1
          while j >= 0 && chars[j] == " " { j -= 1 }
          var k = j
          while k >= 0 && (chars[k].isLetter || chars[k].isNumber || chars[k] == "_") { k -= 1 }
          return k < j ? String(chars[(k + 1)...j]) : nil
        }
        depth -= 1
      }
      i -= 1
    }
    return nil
  }
}
