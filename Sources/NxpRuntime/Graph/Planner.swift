import Foundation
import NxpCache
import NxpCore

/// What a run would do with each node: the basis of `nxp plan` and `:plan`.
public struct Plan {
  public enum Status: String {
    /// Stored in the cache; a run loads it if something needs it.
    case cached
    /// Already computed in this session.
    case inMemory = "in memory"
    /// Needed and not stored: a run computes it.
    case willRun = "will run"
    /// No effect needs it (a run skips it).
    case notNeeded = "not needed"
  }

  public struct Row {
    public var node: Node
    public var status: Status
    /// Seconds the cached computation took, from its manifest.
    public var cachedWallTime: Double?
  }

  public var rows: [Row]

  /// Walks from the effects the way evaluation does: a cached node stops the walk.
  public init(graph: Graph, evaluator: Evaluator, effects: [GraphEffect]? = nil) {
    var roots: [Node] = []
    for e in effects ?? graph.effects { for v in e.values { if case .node(let n) = v { roots.append(n) } } }
    self.init(graph: graph, evaluator: evaluator, roots: roots)
  }

  /// Walks from the given nodes (the REPL plans every binding).
  public init(graph: Graph, evaluator: Evaluator, roots: [Node]) {
    var status: [ObjectIdentifier: Status] = [:]
    var wall: [ObjectIdentifier: Double] = [:]
    func visit(_ n: Node) {
      let id = ObjectIdentifier(n)
      guard status[id] == nil else { return }
      if evaluator.isInMemory(n) {
        status[id] = .inMemory
        return
      }
      if n.primitive.persists, let entry = try? evaluator.cache.get(n.key) {
        status[id] = .cached
        wall[id] = entry.manifest.wallTime
        return
      }
      status[id] = .willRun
      for (_, input) in n.inputs { visit(input) }
    }
    for n in roots { visit(n) }
    rows = graph.nodes.map { n in
      let id = ObjectIdentifier(n)
      var s = status[id] ?? .notNeeded
      if s == .notNeeded, n.primitive.persists, ((try? evaluator.cache.get(n.key)) ?? nil) != nil { s = .cached }
      return Row(node: n, status: s, cachedWallTime: wall[id])
    }
  }

  public func count(_ s: Status) -> Int { rows.filter { $0.status == s }.count }

  /// The table `nxp plan` prints.
  public func render(title: String, width: Int = 100) -> String {
    var out = title + "\n"
    let nameWidth = max(7, rows.map { ($0.node.bindingName ?? "").count }.max() ?? 0)
    let callWidth = max(20, min(56, width - nameWidth - 34))
    out += "  " + "binding".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
    out += "call".padding(toLength: callWidth, withPad: " ", startingAt: 0) + "  key           status\n"
    for r in rows {
      let name = (r.node.bindingName ?? "").padding(toLength: nameWidth, withPad: " ", startingAt: 0)
      var call = r.node.site.text
      if call.count > callWidth { call = String(call.prefix(callWidth - 1)) + "…" }
      var status = r.status.rawValue
      if r.status == .cached, let w = r.cachedWallTime { status += String(format: " (computed in %.1fs)", w) }
      if !r.node.primitive.persists && r.status == .willRun { status = "will run (not stored)" }
      out += "  \(name)  \(call.padding(toLength: callWidth, withPad: " ", startingAt: 0))  \(r.node.shortKey)  \(status)\n"
    }
    out +=
      "\(rows.count) nodes: \(count(.cached)) cached, \(count(.inMemory)) in memory, \(count(.willRun)) will run, \(count(.notNeeded)) not needed\n"
    return out
  }
}
