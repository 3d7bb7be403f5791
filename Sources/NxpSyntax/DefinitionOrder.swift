extension Resolver {
  /// `definitions` ordered so each comes after what it depends on, with the dependency graph a
  /// script's resolution uses; dependencies on names outside the list are ignored. When they form
  /// a cycle, `cycle` lists the names along one (first and last the same) and `ordered` is empty.
  public static func order(_ definitions: [Definition]) -> (ordered: [Definition], cycle: [String]?) {
    var indexByName: [String: Int] = [:]
    for (i, d) in definitions.enumerated() { indexByName[d.name] = i }
    let graph = DependencyGraph(edges: definitions.map { d in d.dependencies.compactMap { indexByName[$0] } })
    if let component = graph.cycles().first {
      let path = graph.shortestCycle(through: component.min()!, within: Set(component))
      return ([], path.map { definitions[$0].name })
    }
    return (graph.topologicalOrder(excluding: []).map { definitions[$0] }, nil)
  }
}
