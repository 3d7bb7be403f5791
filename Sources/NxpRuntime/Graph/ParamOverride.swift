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
    if case .success(let v) = constant(text) { return v }
    return .string(text)
  }

  /// Why `text` is not an nxp constant (`integer '99999999999999999999' is too large`,
  /// `division by zero`, `abc is not a constant`), or nil when it is one. A param that is not a
  /// String says this rather than that the value "gives a String".
  public static func problem(_ text: String) -> String? {
    if case .failure(let message) = constant(text) { return message.message }
    return nil
  }

  static func constant(_ text: String) -> Result<Value, UserError> {
    let (parsed, diagnostics) = Parser.parseExpression(text, path: "<set>")
    if let d = diagnostics.first(where: { $0.severity == .error }) { return .failure(UserError(d.message)) }
    guard let expr = parsed else { return .failure(UserError("`\(text)` is not a constant")) }
    var state = LoweringState(
      builder: GraphBuilder(registry: PrimitiveRegistry([], types: []), environment: Environment(), overrides: [:], hashFile: { _ in "" }))
    let lowered = state.lower(expr)
    if let d = state.diagnostics.first { return .failure(UserError(d.message)) }
    if case .constant(let v)? = lowered { return .success(v) }
    if case .name(let n) = expr.kind { return .failure(UserError("`\(n)` is not a number or a constant")) }
    return .failure(UserError("`\(text)` is not a constant: a value must be written as a number, string, list, range or record"))
  }
}
