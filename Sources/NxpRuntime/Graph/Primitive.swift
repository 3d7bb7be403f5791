import Foundation
import NxpCore

/// One parameter of a primitive. Every parameter can be passed by its label; `positional` ones
/// may also be passed in order without it (`topk(acts, k: 20)`).
public struct Param {
  public var name: String
  public var type: ValueType
  /// nil means required.
  public var defaultValue: Value?
  public var positional: Bool
  public var doc: String

  public init(_ name: String, _ type: ValueType, default defaultValue: Value? = nil, positional: Bool = false, doc: String) {
    self.name = name
    self.type = type
    self.defaultValue = defaultValue
    self.positional = positional
    self.doc = doc
  }

  public var isRequired: Bool { defaultValue == nil }
}

/// A named operation of the language (`load`, `record`, `topk`, `sort`...). Each lives in its own
/// file under `Ops/` and declares everything the checker, the cache key and `:help` need.
public protocol Primitive: AnyObject {
  var name: String { get }
  /// Bumped whenever the output for the same inputs would change; part of every cache key.
  var version: Int { get }
  var params: [Param] { get }
  /// One line for `:help`.
  var summary: String { get }
  /// A line of nxp showing a typical call.
  var example: String { get }
  /// Sinks (`save`) act on the world: they run whenever their statement runs and are not cached.
  var isSink: Bool { get }
  /// Whether results are stored in the disk cache (false for values recreated cheaply from their
  /// arguments, such as a model handle).
  var persists: Bool { get }
  /// The result type given the types of the arguments (after defaults).
  func resultType(_ args: [String: ValueType]) throws -> ValueType
  /// External files the result depends on; their content hashes join the cache key.
  func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String]
  /// Parameters that name the files `files` returns: they must be constants in the script, since
  /// the files are hashed before anything runs.
  var fileParams: [String] { get }
  /// Settings the environment decides that change the result (a server's address when a script
  /// names only a backend kind); they join the cache key. Never a secret.
  func environmentKey(_ args: Arguments, _ ctx: PlanContext) throws -> [String: String]
  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value
}

extension Primitive {
  public var isSink: Bool { false }
  public var persists: Bool { true }
  public func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String] { [] }
  public var fileParams: [String] { [] }
  public func environmentKey(_ args: Arguments, _ ctx: PlanContext) throws -> [String: String] { [:] }

  /// `name(a: Type, b: Type = default) -> Result` for `:help` and error messages.
  public var signature: String {
    let ps = params.map { p -> String in
      var s = (p.positional ? "" : "\(p.name): ") + (p.positional ? "\(p.name): " : "") + p.type.description
      if let d = p.defaultValue { s += " = \(d)" }
      return s
    }
    let result = (try? resultType(Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.type) })))?.description ?? "?"
    return "\(name)(\(ps.joined(separator: ", "))) -> \(result)"
  }
}

/// Arguments of one call, by parameter name, defaults filled in.
public struct Arguments {
  public var values: [String: Value]
  public let primitive: String

  public init(_ values: [String: Value], primitive: String) {
    self.values = values
    self.primitive = primitive
  }

  public subscript(_ name: String) -> Value { values[name] ?? .null }

  public func int(_ name: String) throws -> Int {
    guard let i = self[name].int else { throw wrong(name, "an Int") }
    return i
  }

  /// An optional Int: `none` gives nil.
  public func optionalInt(_ name: String) throws -> Int? {
    if self[name].isNone { return nil }
    return try int(name)
  }

  public func double(_ name: String) throws -> Double {
    guard let d = self[name].double else { throw wrong(name, "a number") }
    return d
  }

  public func string(_ name: String) throws -> String {
    guard let s = self[name].string else { throw wrong(name, "a String") }
    return s
  }

  public func optionalString(_ name: String) throws -> String? {
    if self[name].isNone { return nil }
    return try string(name)
  }

  public func bool(_ name: String) throws -> Bool {
    guard let b = self[name].bool else { throw wrong(name, "a Bool") }
    return b
  }

  public func ints(_ name: String) throws -> [Int] {
    guard let i = self[name].ints else { throw wrong(name, "an Int, a list of Ints or a range") }
    return i
  }

  public func strings(_ name: String) throws -> [String] {
    guard let s = self[name].strings else { throw wrong(name, "a String or a list of Strings") }
    return s
  }

  public func object<T: RuntimeObject>(_ name: String, _ type: T.Type) throws -> T {
    guard let o = self[name].object(type) else { throw wrong(name, "a \(T.self)") }
    return o
  }

  /// Integer arguments that must be positive or non-negative, with a clear message.
  public func positiveInt(_ name: String) throws -> Int {
    let v = try int(name)
    guard v > 0 else { throw UserError("`\(name):` of \(primitive) must be positive, got \(v)") }
    return v
  }

  public func nonNegativeInt(_ name: String) throws -> Int {
    let v = try int(name)
    guard v >= 0 else { throw UserError("`\(name):` of \(primitive) must not be negative, got \(v)") }
    return v
  }

  private func wrong(_ name: String, _ expected: String) -> UserError {
    UserError("argument `\(name)` of \(primitive) should be \(expected), got \(self[name])")
  }
}
