import NxpCore

/// A name as written in the source, with where it was written.
public struct Identifier: Hashable, Sendable {
  public var name: String
  public var range: SourceRange

  public init(_ name: String, range: SourceRange) {
    self.name = name
    self.range = range
  }
}

/// An expression. Every node knows its source range; a parenthesized expression's range
/// includes the parentheses.
public struct Expr: Hashable, Sendable {
  // Equality, hashing and traversal walk the left spine of operator and pipe chains in a loop
  // (Expr+Chains.swift), so a flat chain of a million terms needs no deeper recursion than one
  // term.
  public indirect enum Kind: Hashable, Sendable {
    // MARK: - Literals
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case none
    /// `6:123`
    case neuron(layer: Int, index: Int)

    // MARK: - Names and collections
    case name(String)
    case list([Expr])
    case record([Field])
    /// `lower..<upper` (`closed: false`) or `lower...upper` (`closed: true`).
    case range(lower: Expr, upper: Expr, closed: Bool)

    // MARK: - Operators
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)

    // MARK: - Calls and access
    case call(Call)
    /// `input |> call`: the call receives `input` as its first positional argument.
    case pipe(input: Expr, call: Call)
    /// `base.name`
    case member(Expr, Identifier)
    /// `base[index]`
    case index(Expr, Expr)
  }

  public let kind: Kind
  public let range: SourceRange
  /// Levels of real nesting below and including this node: brackets, arguments, operands on the
  /// right. The left operand of a chain (`a + b + c`, `x |> f |> g`) is at the same level as the
  /// chain, since every walker follows left spines in a loop. The parser bounds it so that
  /// walking any tree it returns cannot exhaust the stack.
  var height: Int { Int(depth) }
  /// Terms on the left spine of chains below and including this node (1 for a leaf): releasing
  /// a tree recurses along it, so the parser bounds this too.
  var spine: Int { Int(spineLength) }
  private let depth: Int32
  private let spineLength: Int32

  public init(_ kind: Kind, range: SourceRange) {
    self.kind = kind
    self.range = range
    // Saturating: the parser rejects trees far below Int32.max either way.
    func add(_ a: Int32, _ b: Int32) -> Int32 { a.addingReportingOverflow(b).overflow ? .max : a + b }
    switch kind {
    case .binary(_, let lhs, let rhs):
      depth = max(lhs.depth, add(1, rhs.depth))
      spineLength = add(lhs.spineLength, 1)
    case .pipe(let input, let call):
      depth = max(input.depth, add(1, call.arguments.map(\.value.depth).max() ?? 0))
      spineLength = add(input.spineLength, 1)
    case .member(let base, _), .index(let base, _):
      depth = add(1, kind.children.map(\.depth).max() ?? 0)
      spineLength = add(base.spineLength, 1)
    default:
      depth = add(1, kind.children.map(\.depth).max() ?? 0)
      spineLength = 1
    }
  }

  /// The same expression with another range (a parenthesized expression takes the parentheses').
  func with(range: SourceRange) -> Expr { Expr(kind, range: range) }
}

/// `-x`
public enum UnaryOperator: String, Hashable, Sendable {
  case negate = "-"
}

/// `+ - * /`
public enum BinaryOperator: String, Hashable, Sendable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
}

/// One `key: value` of a record.
public struct Field: Hashable, Sendable {
  public var key: String
  public var keyRange: SourceRange
  public var value: Expr

  public init(key: String, keyRange: SourceRange, value: Expr) {
    self.key = key
    self.keyRange = keyRange
    self.value = value
  }
}

/// A call of a named primitive: `f(x, k: 20)`, or the bare `f` on the right of a pipe.
public struct Call: Hashable, Sendable {
  public var callee: Identifier
  public var arguments: [Argument]
  /// False for `x |> f`, which is written without parentheses.
  public var hasParentheses: Bool
  /// From the callee to the closing parenthesis.
  public var range: SourceRange

  public init(callee: Identifier, arguments: [Argument], hasParentheses: Bool, range: SourceRange) {
    self.callee = callee
    self.arguments = arguments
    self.hasParentheses = hasParentheses
    self.range = range
  }

  /// The arguments the callee receives when `input` is piped into this call: `input` first.
  public func arguments(piping input: Expr) -> [Argument] {
    [Argument(label: nil, value: input, range: input.range)] + arguments
  }

  /// Positional arguments, in order.
  public var positional: [Expr] { arguments.filter { $0.label == nil }.map(\.value) }

  /// The argument with `label`, if any.
  public func argument(labelled label: String) -> Expr? {
    arguments.first { $0.label?.name == label }?.value
  }
}

/// `value` or `label: value`.
public struct Argument: Hashable, Sendable {
  public var label: Identifier?
  public var value: Expr
  public var range: SourceRange

  public init(label: Identifier?, value: Expr, range: SourceRange) {
    self.label = label
    self.value = value
    self.range = range
  }
}

// MARK: - Traversal

extension Expr.Kind {
  /// The direct subexpressions, in source order.
  public var children: [Expr] {
    switch self {
    case .int, .float, .string, .bool, .none, .neuron, .name: return []
    case .list(let items): return items
    case .record(let fields): return fields.map(\.value)
    case .range(let lower, let upper, _): return [lower, upper]
    case .unary(_, let operand): return [operand]
    case .binary(_, let lhs, let rhs): return [lhs, rhs]
    case .call(let call): return call.arguments.map(\.value)
    case .pipe(let input, let call): return [input] + call.arguments.map(\.value)
    case .member(let base, _): return [base]
    case .index(let base, let index): return [base, index]
    }
  }
}

extension Expr {
  /// Visits this expression and every subexpression, parents before children, in source order.
  public func forEach(_ body: (Expr) -> Void) {
    // An explicit stack: chains can be far longer than the call stack is deep.
    var pending: [Expr] = [self]
    while let e = pending.popLast() {
      body(e)
      pending.append(contentsOf: e.kind.children.reversed())
    }
  }

  /// True for literals, including lists, records and ranges built only from literals.
  public var isLiteral: Bool {
    switch kind {
    case .int, .float, .string, .bool, .none, .neuron: return true
    case .list, .record, .range: return kind.children.allSatisfy(\.isLiteral)
    case .unary(.negate, let operand):
      if case .int = operand.kind { return true }
      if case .float = operand.kind { return true }
      return false
    default: return false
    }
  }
}
