// MARK: - Canonical text of expressions and statements
//
// One spelling per tree: single spaces around binary operators and after commas, no spaces in
// ranges and neuron literals, parentheses only where precedence needs them, strings on one line
// with escapes. Messages and `plan` output use it, and parsing the text gives the same tree back.

extension Expr: CustomStringConvertible {
  /// The canonical source text of the expression.
  public var description: String { PrettyPrinter.text(self) }
}

extension Statement: CustomStringConvertible {
  /// The canonical source text of the statement.
  public var description: String { PrettyPrinter.text(self) }
}

extension Call: CustomStringConvertible {
  /// `f(a, k: 1)`, or `f` for a pipe target written without parentheses.
  public var description: String { PrettyPrinter.text(self) }
}

extension Script: CustomStringConvertible {
  /// The canonical text of every statement, one per line (comments are not kept).
  public var description: String { statements.map(PrettyPrinter.text).joined(separator: "\n") }
}

/// How nxp writes a value so that it reads back: for other modules that write nxp (the viewer's
/// line to paste into the REPL).
public enum NxpLiteral {
  /// A string literal that parses back as `s`.
  public static func string(_ s: String) -> String { PrettyPrinter.quoted(s) }
}

enum PrettyPrinter {
  // MARK: - Precedence

  /// Binding strength, loosest first; a child looser than its place requires gets parentheses.
  enum Level: Int, Comparable {
    case pipe = 1
    case range
    case additive
    case multiplicative
    case unary
    case postfix
    case primary

    static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
  }

  static func level(_ e: Expr) -> Level {
    switch e.kind {
    case .pipe: return .pipe
    case .range: return .range
    case .binary(.add, _, _), .binary(.subtract, _, _): return .additive
    case .binary(.multiply, _, _), .binary(.divide, _, _): return .multiplicative
    case .unary: return .unary
    case .int(let v): return v < 0 ? .unary : .primary
    case .float(let v): return v.sign == .minus ? .unary : .primary
    case .member, .index, .call: return .postfix
    case .string, .bool, .none, .neuron, .name, .list, .record: return .primary
    }
  }

  static func wrap(_ e: Expr, atLeast minimum: Level) -> String {
    level(e) < minimum ? "(\(text(e)))" : text(e)
  }

  // MARK: - Expressions

  static func text(_ e: Expr) -> String {
    switch e.kind {
    case .int(let v): return String(v)
    case .float(let v): return float(v)
    case .string(let s): return quoted(s)
    case .bool(let b): return b ? "true" : "false"
    case .none: return "none"
    case .neuron(let layer, let index): return "\(layer):\(index)"
    case .name(let n): return n
    case .list(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
    case .record(let fields):
      return "{" + fields.map { key($0.key) + ": " + text($0.value) }.joined(separator: ", ") + "}"
    case .range(let lower, let upper, let closed):
      return wrap(lower, atLeast: .additive) + (closed ? "..." : "..<") + wrap(upper, atLeast: .additive)
    case .unary(let op, let operand):
      // `-(-x)` rather than `--x`, which reads like a typo.
      return op.rawValue + wrap(operand, atLeast: .postfix)
    case .binary, .pipe: return chainText(e)
    case .call(let call): return text(call)
    case .member(let base, let name): return wrap(base, atLeast: .postfix) + "." + name.name
    case .index(let base, let index): return wrap(base, atLeast: .postfix) + "[" + text(index) + "]"
    }
  }

  /// A chain (`a + b - c`, `x |> f |> g`) printed in one pass along its left spine: linear in
  /// its length, with no recursion per term.
  static func chainText(_ e: Expr) -> String {
    let (start, links) = e.chain
    var out = ""
    var current = level(start)
    for (i, (link, _)) in links.enumerated() {
      let l: Level
      switch link {
      case .binary(let op, _): l = op == .add || op == .subtract ? .additive : .multiplicative
      case .pipe: l = .pipe
      }
      if i == 0 {
        out = current < l ? "(\(text(start)))" : text(start)
      } else if current < l {
        out = "(" + out + ")"
      }
      switch link {
      case .binary(let op, let rhs):
        out += " \(op.rawValue) "
        out += wrap(rhs, atLeast: Level(rawValue: l.rawValue + 1)!)
      case .pipe(let call):
        out += " |> "
        out += text(call)
      }
      current = l
    }
    return out
  }

  static func text(_ call: Call) -> String {
    guard call.hasParentheses else { return call.callee.name }
    let arguments = call.arguments.map { a in (a.label.map { $0.name + ": " } ?? "") + text(a.value) }
    return call.callee.name + "(" + arguments.joined(separator: ", ") + ")"
  }

  /// Shortest text that reads back as the same Double, always with a `.` or an exponent.
  static func float(_ v: Double) -> String {
    let s = String(v)
    return s.contains(".") || s.contains("e") || !v.isFinite ? s : s + ".0"
  }

  static func key(_ k: String) -> String {
    let isName =
      k.first.map { $0.isIdentifierStart } == true && k.allSatisfy(\.isIdentifierPart)
      && Token.Kind.keywords[k] == nil
    return isName ? k : quoted(k)
  }

  static func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case "\0": out += "\\0"
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default:
        if scalar.properties.generalCategory == .control {
          out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  // MARK: - Statements

  static func text(_ s: Statement) -> String {
    switch s.kind {
    case .cellMarker(let title): return title.isEmpty ? "# %%" : "# %% " + title
    case .import(let path, _): return "import " + quoted(path)
    case .param(let name, let value): return "param \(name.name) = " + text(value)
    case .binding(let name, let value): return "\(name.name) = " + text(value)
    case .show(let values): return "show " + values.map(text).joined(separator: ", ")
    case .expression(let value): return text(value)
    }
  }
}
