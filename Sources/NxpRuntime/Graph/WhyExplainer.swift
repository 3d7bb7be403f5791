import Foundation
import NxpCache
import NxpCore

/// Answers "why would this recompute?" by comparing a node with the manifest of the value it
/// had before (Snakemake-style reasons: params changed, input changed, file changed).
public struct WhyExplainer {
  public let evaluator: Evaluator

  public init(evaluator: Evaluator) { self.evaluator = evaluator }

  /// - Parameters:
  ///   - name: the binding asked about.
  ///   - lowered: its current value in the graph.
  ///   - previousKey: its key when it was last computed or bound, if known.
  public func explain(name: String, _ lowered: Lowered, previousKey: String?) -> String {
    guard case .node(let node) = lowered else {
      if case .constant(let v) = lowered { return "\(name) is a constant (\(v)); nothing to compute\n" }
      return ""
    }
    if evaluator.isInMemory(node) { return "\(name) is computed (in memory, key \(node.shortKey)); nothing to recompute\n" }
    if node.primitive.persists, let entry = try? evaluator.cache.get(node.key) {
      return
        "\(name) is cached (key \(node.shortKey), computed in \(String(format: "%.1f", entry.manifest.wallTime))s on \(entry.manifest.created)); nothing to recompute\n"
    }
    if !node.primitive.persists {
      return "\(name) = \(node.site.text) is not stored in the cache; it is recreated cheaply when used\n"
    }
    guard let previousKey, previousKey != node.key else {
      if previousKey == node.key {
        return
          "\(name) (key \(node.shortKey)) was computed before but its cached value is gone (deleted by `cache gc` or invalid); it will recompute\n"
      }
      return "\(name) has never been computed (key \(node.shortKey)); it will compute when shown\n" + missingInputs(node, indent: "  ")
    }
    guard let old = try? evaluator.cache.get(previousKey) else {
      return "\(name) changed since its last value (key \(String(previousKey.prefix(12))) → \(node.shortKey)), whose cached entry is gone\n"
    }
    return "\(name) will recompute (key \(String(previousKey.prefix(12))) → \(node.shortKey)):\n" + diff(node, old.manifest, indent: "  ")
  }

  /// Reasons a node differs from an older manifest, recursing into changed inputs.
  func diff(_ node: Node, _ old: Manifest, indent: String, depth: Int = 0) -> String {
    var out = ""
    if old.primitive != node.primitive.name {
      return indent + "primitive changed: \(old.primitive) → \(node.primitive.name)\n"
    }
    if old.primitiveVersion != node.primitive.version {
      out += indent + "\(node.primitive.name) changed its version: \(old.primitiveVersion) → \(node.primitive.version) (nxp was updated)\n"
    }
    let current = node.constants.mapValues { ManifestValue($0.canonical) }
    for name in Set(current.keys).union(old.parameters.keys).sorted() where current[name] != old.parameters[name] {
      out += indent + "params changed: \(name) \(show(old.parameters[name])) → \(show(current[name]))\n"
    }
    for (path, hash) in node.fileHashes.sorted(by: { $0.key < $1.key }) {
      if let oldHash = old.fileHashes[path] {
        if oldHash != hash { out += indent + "file changed: \(path)\n" }
      } else if !old.fileHashes.isEmpty {
        out += indent + "file added: \(path)\n"
      }
    }
    for (name, input) in node.inputs {
      guard let oldKey = old.inputs[name], oldKey != input.key else { continue }
      out += indent + "input `\(name)` changed: \(input.bindingName.map { "\($0) = " } ?? "")\(input.site.text)\n"
      if depth < 8, let oldEntry = try? evaluator.cache.get(oldKey) {
        out += diff(input, oldEntry.manifest, indent: indent + "  ", depth: depth + 1)
      }
    }
    return out.isEmpty ? indent + "(no difference found in params, inputs or files)\n" : out
  }

  /// Inputs that are not cached either (they compute first).
  func missingInputs(_ node: Node, indent: String) -> String {
    var out = ""
    for (_, input) in node.inputs where input.primitive.persists && !evaluator.isAvailable(input) {
      out += indent + "needs \(input.bindingName ?? input.site.text), not cached either\n"
    }
    return out
  }

  func show(_ v: ManifestValue?) -> String { v?.display ?? "(unset)" }
}
