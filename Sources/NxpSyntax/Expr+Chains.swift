import NxpCore

// Operator and pipe chains are left-deep trees: `a + b + c` is `(a + b) + c` and
// `x |> f |> g` is `(x |> f) |> g`. A script may chain thousands of terms, so every walk over
// expressions follows the left spine in a loop and recurses only into the right-hand parts,
// whose depth the parser bounds.

extension Expr {
  /// One link of a chain: the operator and right operand, or the call a value is piped into.
  public enum Link: Hashable, Sendable {
    case binary(BinaryOperator, Expr)
    case pipe(Call)
  }

  /// This expression as its leftmost operand and the links applied to it, innermost first, each
  /// with the expression it completes. An expression that is no chain is its own start with no
  /// links.
  public var chain: (start: Expr, links: [(link: Link, expr: Expr)]) {
    var links: [(link: Link, expr: Expr)] = []
    var e = self
    while true {
      switch e.kind {
      case .binary(let op, let lhs, let rhs):
        links.append((.binary(op, rhs), e))
        e = lhs
      case .pipe(let input, let call):
        links.append((.pipe(call), e))
        e = input
      default:
        return (e, links.reversed())
      }
    }
  }

  var isChainLink: Bool {
    switch kind {
    case .binary, .pipe: return true
    default: return false
    }
  }

  public static func == (a: Expr, b: Expr) -> Bool {
    guard a.isChainLink || b.isChainLink else { return a.range == b.range && a.kind == b.kind }
    var x = a, y = b
    while true {
      guard x.range == y.range else { return false }
      switch (x.kind, y.kind) {
      case (.binary(let o1, let l1, let r1), .binary(let o2, let l2, let r2)):
        guard o1 == o2, r1 == r2 else { return false }
        x = l1
        y = l2
      case (.pipe(let i1, let c1), .pipe(let i2, let c2)):
        guard c1 == c2 else { return false }
        x = i1
        y = i2
      default:
        return !x.isChainLink && !y.isChainLink && x.kind == y.kind
      }
    }
  }

  public func hash(into hasher: inout Hasher) {
    var e = self
    while true {
      hasher.combine(e.range)
      switch e.kind {
      case .binary(let op, let lhs, let rhs):
        hasher.combine(0 as UInt8)
        hasher.combine(op)
        hasher.combine(rhs)
        e = lhs
      case .pipe(let input, let call):
        hasher.combine(1 as UInt8)
        hasher.combine(call)
        e = input
      default:
        hasher.combine(2 as UInt8)
        hasher.combine(e.kind)
        return
      }
    }
  }
}
