import Foundation
import NxpCore

/// Where a node came from in a script, for errors and `plan` output.
public struct CallSite {
  public var file: SourceFile?
  public var range: SourceRange?
  /// The call as a user would write it (pretty-printed).
  public var text: String

  public init(file: SourceFile?, range: SourceRange?, text: String) {
    self.file = file
    self.range = range
    self.text = text
  }
}

/// An argument of a node: a constant known before running (hashed by value) or another node's
/// result (hashed by that node's key).
public enum NodeArgument {
  case constant(Value)
  case node(Node)
}

/// One primitive call in the dataflow graph. Nothing runs when a node is made; its key is a
/// SHA-256 over what determines its value, so equal keys mean equal values.
public final class Node {
  public let primitive: Primitive
  /// By parameter name, defaults filled in.
  public let arguments: [String: NodeArgument]
  public let site: CallSite
  /// The binding this node is the value of, if any (not part of the key).
  public var bindingName: String?
  public let resultType: ValueType
  /// Filled in by `KeyBuilder`.
  public internal(set) var key: String = ""
  /// Hashes of the external files the node reads, by path (filled in with the key).
  public internal(set) var fileHashes: [String: String] = [:]

  public init(primitive: Primitive, arguments: [String: NodeArgument], site: CallSite, resultType: ValueType) {
    self.primitive = primitive
    self.arguments = arguments
    self.site = site
    self.resultType = resultType
  }

  /// Input nodes by parameter name, in a stable order.
  public var inputs: [(String, Node)] {
    arguments.keys.sorted().compactMap { name in
      if case .node(let n) = arguments[name]! { return (name, n) }
      return nil
    }
  }

  /// Constant parameters by name.
  public var constants: [String: Value] {
    arguments.compactMapValues {
      if case .constant(let v) = $0 { return v }
      return nil
    }
  }

  public var shortKey: String { String(key.prefix(12)) }
}

/// Computes node keys (Merkle style: a node's key covers its inputs' keys).
public struct KeyBuilder {
  /// The key format; bumping it invalidates every cached value.
  public static let keyFormat = "nxp-key/2"

  public let plan: PlanContext
  public let hashFile: (String) throws -> String

  public init(plan: PlanContext, hashFile: @escaping (String) throws -> String) {
    self.plan = plan
    self.hashFile = hashFile
  }

  /// Sets `key` on `node` and on every input that has none yet.
  public func assignKey(_ node: Node) throws {
    if !node.key.isEmpty { return }
    for (_, input) in node.inputs { try assignKey(input) }
    var params: [String: CanonicalValue] = [:]
    for (name, value) in node.constants { params[name] = value.canonical }
    var inputs: [String: CanonicalValue] = [:]
    for (name, input) in node.inputs { inputs[name] = .string(input.key) }
    for name in node.primitive.fileParams where node.inputs.contains(where: { $0.0 == name }) {
      throw UserError(
        "`\(name):` of \(node.primitive.name) names the files it reads, so it must be written in the script, not computed: "
          + "the files are hashed before anything runs")
    }
    let constantArgs = Arguments(node.constants, primitive: node.primitive.name)
    var files: [String: CanonicalValue] = [:]
    var fileHashes: [String: String] = [:]
    // Files are named by constant arguments (paths, model names), so they are known before
    // anything runs; their content hashes join the key in path order.
    for path in try node.primitive.files(constantArgs, plan) {
      let h = try hashFile(path)
      fileHashes[path] = h
      files[path] = .string(h)
    }
    var fields: [String: CanonicalValue] = [
      "format": .string(KeyBuilder.keyFormat),
      "primitive": .string(node.primitive.name),
      "version": .int(Int64(node.primitive.version)),
      "params": .record(params),
      "inputs": .record(inputs),
      "files": .list(files.keys.sorted().map { files[$0]! }),
    ]
    // Present only when a primitive declares some, so other keys stay as they were.
    let environment = try node.primitive.environmentKey(constantArgs, plan)
    if !environment.isEmpty { fields["environment"] = .record(environment.mapValues { .string($0) }) }
    let canonical = CanonicalValue.record(fields)
    node.fileHashes = fileHashes
    node.key = canonical.sha256
  }
}
