import Foundation
import NxpCore
import NxpSyntax

/// Parses `name=value` from `--set` and `:set`. The value is read as an nxp constant (`10`,
/// `0.5`, `[6, 7]`, `"text"`, `0..<4`); anything that is not one is taken as a plain string, so
/// `--set corpus=notes.txt` works without shell-quoting the quotes.
public enum ParamOverride {
  public static func parse(_ assignment: String) throws -> (String, Value) {
    guard let eq = assignment.firstIndex(of: "=") else {
      throw UserError("expected name=value, got '\(assignment)'")
    }
    let name = assignment[..<eq].trimmingCharacters(in: .whitespaces)
    let text = String(assignment[assignment.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty, name.first!.isLetter || name.first == "_", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
      throw UserError("'\(name)' is not a param name")
    }
    return (name, value(text))
  }

  /// The constant `text` denotes, or the text itself as a string.
  public static func value(_ text: String) -> Value {
    let (parsed, diagnostics) = Parser.parseExpression(text, path: "<set>")
    guard let expr = parsed, diagnostics.isEmpty else { return .string(text) }
    var state = LoweringState(builder: GraphBuilder(registry: PrimitiveRegistry([], types: []), environment: Environment(), overrides: [:], hashFile: { _ in "" }))
    if case .constant(let v)? = state.lower(expr), state.diagnostics.isEmpty { return v }
    return .string(text)
  }
}
