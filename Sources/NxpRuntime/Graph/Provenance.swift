import Foundation
import NxpCache
import NxpCore

/// The chain of manifests that produced a value: its own, then those of its inputs, and so on,
/// newest first (`:prov NAME` in the REPL).
public struct Provenance {
  public let evaluator: Evaluator

  public init(evaluator: Evaluator) { self.evaluator = evaluator }

  /// The manifest `info` fields the evaluator writes itself (shown above, or not at all).
  static let ownInfo: Set<String> = ["type", "call", "binding"]

  /// Each manifest reachable from `node` through input keys, newest first: every value before
  /// the inputs it was computed from. Keys with no cached entry are listed in `missing`.
  public func chain(_ node: Node) -> (manifests: [Manifest], missing: [String]) {
    var seen = Set<String>()
    var postOrder: [Manifest] = []
    var missing: [String] = []
    // Iterative depth-first walk; a value is emitted after all its inputs.
    var stack: [(key: String, expanded: Bool, manifest: Manifest?)] = [(node.key, false, nil)]
    while let top = stack.popLast() {
      if top.expanded, let m = top.manifest {
        postOrder.append(m)
        continue
      }
      guard seen.insert(top.key).inserted else { continue }
      guard let entry = try? evaluator.cache.get(top.key) else {
        missing.append(top.key)
        continue
      }
      stack.append((top.key, true, entry.manifest))
      for name in entry.manifest.inputs.keys.sorted().reversed() {
        if let key = entry.manifest.inputs[name], !seen.contains(key) { stack.append((key, false, nil)) }
      }
    }
    return (postOrder.reversed(), missing)
  }

  /// What `:prov NAME` prints.
  public func render(name: String, _ lowered: Lowered) -> String {
    guard case .node(let node) = lowered else {
      if case .constant(let v) = lowered { return "\(name) is a constant (\(v)); it has no provenance\n" }
      return ""
    }
    guard node.primitive.persists else {
      return "\(name) = \(node.site.text) is recreated from its arguments when used; it is not stored, so it has no manifest\n"
    }
    let (manifests, missing) = chain(node)
    guard !manifests.isEmpty else {
      return "\(name) has not been computed yet (key \(node.shortKey)); show it first\n"
    }
    var out = "provenance of \(name), newest first:\n"
    let dates = ISO8601DateFormatter()
    for m in manifests {
      let binding = m.info["binding"].flatMap { v -> String? in if case .string(let s) = v { return s } else { return nil } }
      out += "\(String(m.key.prefix(12)))  \(m.primitive) v\(m.primitiveVersion)" + (binding.map { "  (\($0))" } ?? "") + "\n"
      if case .string(let call)? = m.info["call"] { out += "    call     \(Table.visible(call))\n" }
      // Arguments left at `none` (unused options) are not worth a line.
      for name in m.parameters.keys.sorted() where m.parameters[name] != ManifestValue.null {
        out += "    arg      \(name): \(Table.visible(m.parameters[name]!.display))\n"
      }
      for name in m.inputs.keys.sorted() { out += "    input    \(name): \(String(m.inputs[name]!.prefix(12)))\n" }
      for path in m.fileHashes.keys.sorted() {
        out += "    file     \(Table.visible(path)) sha256 \(String(m.fileHashes[path]!.prefix(16)))\n"
      }
      // What the value itself noted (ProvenanceNotes): the backend, the ledger of its requests.
      for name in m.info.keys.sorted() where !Provenance.ownInfo.contains(name) {
        if case .string(let line)? = m.info[name] {
          out += "    \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(Table.visible(line))\n"
        }
      }
      out += String(format: "    computed %@ in %.2fs by nxp %@\n", dates.string(from: m.created), m.wallTime, m.nxpVersion)
    }
    if !missing.isEmpty {
      out += "not in the cache: " + missing.map { String($0.prefix(12)) }.joined(separator: ", ") + "\n"
    }
    return out
  }
}

extension ManifestValue {
  /// How `:why` and `:prov` write a recorded argument: as it would be written in nxp.
  public var display: String {
    switch self {
    case .null: return "none"
    case .bool(let b): return String(b)
    case .int(let i): return String(i)
    case .double(let d): return formatFloat(d)
    case .string(let s): return "\"\(s)\""
    case .array(let a): return "[" + a.map(\.display).joined(separator: ", ") + "]"
    case .object(let o):
      // Tagged kinds as the language writes them (see CanonicalValue.tagged).
      if o.count == 1, case .array(let p)? = o["neuron"], p.count == 2 { return "\(p[0].display):\(p[1].display)" }
      if o.count == 1, case .array(let p)? = o["range"], p.count == 2 { return "\(p[0].display)..<\(p[1].display)" }
      return "{" + o.keys.sorted().map { "\($0): \(o[$0]!.display)" }.joined(separator: ", ") + "}"
    }
  }
}
