import Foundation
import NxpCache
import NxpCore
import NxpRuntime

extension Repl {
  /// `:help` lists everything; `:help name` documents one primitive or directive.
  func help(_ topic: String) -> String {
    let registry = session.registry
    if topic.isEmpty {
      var out = "Statements: name = expr | param name = constant | show expr, ... | expr | import \"file.nxp\"\n"
      out += "Directives:\n"
      out += "  :help [name]     this list, or one primitive's signature and an example\n"
      out += "  :vars            bound names, their types and whether they are computed\n"
      out += "  :plan            every node: cached, in memory, or would run\n"
      out += "  :set name=value  override a param; what depends on it becomes stale\n"
      out += "  :why name        why a value would be recomputed\n"
      out += "  :cache           where the cache is and how big\n"
      out += "  :quit            leave (Ctrl-D too); Ctrl-C interrupts a computation\n"
      out += "Primitives:\n"
      let width = registry.names.map(\.count).max() ?? 0
      for name in registry.names.sorted() {
        guard let p = registry.primitive(name) else { continue }
        out += "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + p.summary + "\n"
      }
      return out
    }
    let name = topic.hasPrefix(":") ? String(topic.dropFirst()) : topic
    guard let p = registry.primitive(name) else {
      if Repl.directives.contains(name) { return help("").split(separator: "\n").filter { $0.contains(":\(name)") }.joined(separator: "\n") + "\n" }
      var message = "no primitive or directive named `\(name)`"
      if let s = NameSuggester.suggest(name, from: registry.names.union(Repl.directives)) { message += "; did you mean `\(s)`?" }
      return message + "\n"
    }
    var out = p.signature + "\n  " + p.summary + "\n"
    for param in p.params {
      out += "  " + (param.positional ? "\(param.name) (positional)" : "\(param.name):") + "  \(param.type)"
      if let d = param.defaultValue { out += " = \(d)" }
      out += "  — \(param.doc)\n"
    }
    out += "example:\n  \(p.example)\n"
    return out
  }

  func why(_ name: String) -> String {
    guard !name.isEmpty else { return "usage: :why name\n" }
    guard let graph, let lowered = graph.bindings[name] ?? graph.params[name].map({ Lowered.constant($0) }) else {
      var message = "`\(name)` is not bound"
      if let s = NameSuggester.suggest(name, from: definitions.map(\.name)) { message += "; did you mean `\(s)`?" }
      return message + "\n"
    }
    return WhyExplainer(evaluator: session.evaluator).explain(name: name, lowered, previousKey: previousKey(name))
  }
}
