// MARK: - Graph algorithms over definitions
//
// Nodes are 0..<count; edges[u] lists the nodes u depends on. Everything here is iterative, so
// a long chain of bindings cannot exhaust the stack.

struct DependencyGraph {
  var edges: [[Int]]

  var count: Int { edges.count }

  /// Strongly connected components (Tarjan), each as a list of nodes.
  func components() -> [[Int]] {
    var index = [Int?](repeating: nil, count: count)
    var low = [Int](repeating: 0, count: count)
    var onStack = [Bool](repeating: false, count: count)
    var stack: [Int] = []
    var result: [[Int]] = []
    var counter = 0

    for root in 0..<count where index[root] == nil {
      // Each frame: a node and how many of its edges have been followed.
      var frames: [(node: Int, edge: Int)] = [(root, 0)]
      index[root] = counter
      low[root] = counter
      counter += 1
      stack.append(root)
      onStack[root] = true

      while let frame = frames.last {
        let u = frame.node
        if frame.edge < edges[u].count {
          frames[frames.count - 1].edge += 1
          let v = edges[u][frame.edge]
          if index[v] == nil {
            index[v] = counter
            low[v] = counter
            counter += 1
            stack.append(v)
            onStack[v] = true
            frames.append((v, 0))
          } else if onStack[v] {
            low[u] = min(low[u], index[v]!)
          }
          continue
        }
        frames.removeLast()
        if let parent = frames.last?.node { low[parent] = min(low[parent], low[u]) }
        if low[u] == index[u]! {
          var component: [Int] = []
          while let w = stack.popLast() {
            onStack[w] = false
            component.append(w)
            if w == u { break }
          }
          result.append(component)
        }
      }
    }
    return result
  }

  /// Components that form cycles: more than one node, or one node that depends on itself.
  func cycles() -> [[Int]] {
    components().filter { $0.count > 1 || edges[$0[0]].contains($0[0]) }
  }

  /// A shortest path start -> ... -> start inside `component`, as the list of nodes visited
  /// (first and last are `start`).
  func shortestCycle(through start: Int, within component: Set<Int>) -> [Int] {
    var parent: [Int: Int] = [:]
    var queue = [start]
    var head = 0
    while head < queue.count {
      let u = queue[head]
      head += 1
      for v in edges[u] where component.contains(v) {
        if v == start {
          // Walk back from u to start, then read the path forwards.
          var back: [Int] = []
          var w = u
          while w != start {
            back.append(w)
            w = parent[w]!
          }
          return [start] + back.reversed() + [start]
        }
        if parent[v] == nil && v != start {
          parent[v] = u
          queue.append(v)
        }
      }
    }
    return [start, start]
  }

  /// All nodes not in `excluded`, each after the nodes it depends on; otherwise in node order.
  func topologicalOrder(excluding excluded: Set<Int>) -> [Int] {
    var state = [UInt8](repeating: 0, count: count)  // 0 new, 1 open, 2 done
    var order: [Int] = []
    for root in 0..<count where state[root] == 0 && !excluded.contains(root) {
      var frames: [(node: Int, edge: Int)] = [(root, 0)]
      state[root] = 1
      while let frame = frames.last {
        let u = frame.node
        if frame.edge < edges[u].count {
          frames[frames.count - 1].edge += 1
          let v = edges[u][frame.edge]
          if state[v] == 0 && !excluded.contains(v) {
            state[v] = 1
            frames.append((v, 0))
          }
          continue
        }
        frames.removeLast()
        state[u] = 2
        order.append(u)
      }
    }
    return order
  }
}
