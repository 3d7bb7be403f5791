import Foundation
import NxpCore
import NxpSyntax

/// What an expression lowers to: a constant known before running, or a node to compute.
public enum Lowered {
  case constant(Value)
  case node(Node)

  public var type: ValueType {
    switch self {
    case .constant(let v): return v.type
    case .node(let n): return n.resultType
    }
  }
}

/// A show or expression statement, lowered: what a run forces.
public struct GraphEffect {
  public var effect: Effect
  public var values: [Lowered]
  /// For an expression statement that calls a sink (`save(...)`): run it rather than show it.
  public var isSinkCall: Bool
}

/// A checked script as a dataflow graph: every binding and effect lowered to nodes with keys.
public final class Graph {
  public let program: Program
  /// Params with overrides applied.
  public let params: [String: Value]
  /// Every binding's value, by name.
  public let bindings: [String: Lowered]
  /// Binding names in dependency order.
  public let order: [String]
  public let effects: [GraphEffect]
  /// Every node, inputs before users, each once.
  public let nodes: [Node]

  init(program: Program, params: [String: Value], bindings: [String: Lowered], order: [String], effects: [GraphEffect]) {
    self.program = program
    self.params = params
    self.bindings = bindings
    self.order = order
    self.effects = effects
    var seen = Set<ObjectIdentifier>()
    var list: [Node] = []
    func visit(_ n: Node) {
      guard seen.insert(ObjectIdentifier(n)).inserted else { return }
      for (_, i) in n.inputs { visit(i) }
      list.append(n)
    }
    for name in order { if case .node(let n) = bindings[name] { visit(n) } }
    for e in effects { for v in e.values { if case .node(let n) = v { visit(n) } } }
    nodes = list
  }
}
