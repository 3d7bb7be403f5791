import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

// MARK: - Parsing snippets

/// Parses `text` as a file named test.nxp.
func parse(_ text: String) -> ParseResult {
  Parser.parse(SourceFile(path: "test.nxp", text: text))
}

/// The only expression of a one-statement script, failing the test on any diagnostic.
func expression(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Expr? {
  let result = parse(text)
  #expect(result.diagnostics.map(\.message) == [], sourceLocation: sourceLocation)
  guard result.script.statements.count == 1, case .expression(let e) = result.script.statements[0].kind else {
    Issue.record("expected one expression statement in \(text.debugDescription)", sourceLocation: sourceLocation)
    return nil
  }
  return e
}

/// The tree of an expression with every node parenthesized, to check structure exactly.
func tree(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
  expression(text, sourceLocation: sourceLocation).map(sexp) ?? "<none>"
}

func sexp(_ e: Expr) -> String {
  switch e.kind {
  case .int(let v): return "\(v)"
  case .float(let v): return "\(v)"
  case .string(let s): return s.debugDescription
  case .bool(let b): return "\(b)"
  case .none: return "none"
  case .neuron(let l, let i): return "neuron(\(l),\(i))"
  case .name(let n): return n
  case .list(let items): return "(list" + items.map { " " + sexp($0) }.joined() + ")"
  case .record(let fields):
    return "(record" + fields.map { " \($0.key.debugDescription):" + sexp($0.value) }.joined() + ")"
  case .range(let l, let u, let closed): return "(\(closed ? "..." : "..<") \(sexp(l)) \(sexp(u)))"
  case .unary(let op, let x): return "(\(op.rawValue) \(sexp(x)))"
  case .binary(let op, let a, let b): return "(\(op.rawValue) \(sexp(a)) \(sexp(b)))"
  case .call(let c): return callSexp(c, input: nil)
  case .pipe(let input, let c): return "(|> \(sexp(input)) \(callSexp(c, input: nil)))"
  case .member(let base, let name): return "(. \(sexp(base)) \(name.name))"
  case .index(let base, let index): return "([] \(sexp(base)) \(sexp(index)))"
  }
}

func callSexp(_ c: Call, input: Expr?) -> String {
  let args = c.arguments.map { a in " " + (a.label.map { $0.name + ":" } ?? "") + sexp(a.value) }
  return "(call\(c.hasParentheses ? "" : "-bare") \(c.callee.name)\(args.joined()))"
}

// MARK: - Diagnostics at markers

/// "line:column message" for each diagnostic, the form tests compare.
func located(_ diagnostics: [Diagnostic]) -> [String] {
  diagnostics.map { d in (d.range.map { "\($0.start)" } ?? "-") + " " + d.message }
}

/// Parses a marked snippet and checks its diagnostics: each expected pair names the marker where
/// the diagnostic starts and its exact message, in source order.
func expectParseErrors(
  _ marked: String, _ expected: [(String, String)], sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  let source = MarkedSource(marked)
  let result = Parser.parse(source.file())
  let want = expected.map { marker, message in (source[marker].map { "\($0)" } ?? "no \(marker)") + " " + message }
  #expect(located(result.diagnostics) == want, sourceLocation: sourceLocation)
  #expect(result.status == (expected.isEmpty ? .complete : .invalid), sourceLocation: sourceLocation)
}
