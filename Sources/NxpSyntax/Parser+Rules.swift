import NxpCore

// MARK: - Grammar rules by name
//
// Each syntactic rule of Grammar/nxp.ebnf has a parser function of the same name. This table
// lets a test parse text as any one rule, and check that the grammar and the parser name the
// same rules.

extension Parser {
  /// The syntactic rules of the grammar, in the order the grammar file lists them.
  static let ruleNames = [
    "script", "terminator", "statement", "cellMarker", "importStatement", "paramStatement", "showStatement",
    "binding", "expressionStatement", "expression", "pipe", "pipeTarget", "range", "additive",
    "multiplicative", "unary", "postfix", "primary", "call", "arguments", "argument", "list", "record",
    "field", "group",
  ]

  /// Parses `file` as the rule `name` and returns the canonical text of what it read, or nil
  /// when no parser function has that name. The whole input must match the rule.
  static func parse(rule name: String, _ file: SourceFile) -> (text: String, diagnostics: [Diagnostic])? {
    var parser = Parser(file: file)
    var text = ""
    do {
      guard let result = try parser.run(rule: name) else { return nil }
      text = result
      parser.skipLineBreaks()
      if !parser.check(.endOfInput) { throw parser.errorAtCurrent("unexpected \(parser.currentKind.spelling)") }
    } catch {
      text = ""
    }
    parser.tokens.finish()
    return (text, parser.tokens.diagnostics + parser.diagnostics)
  }

  mutating func run(rule name: String) throws -> String? {
    switch name {
    case "script": return script().description
    case "terminator":
      try terminator()
      return ""
    case "statement": return try statement().description
    case "cellMarker": return try cellMarker().description
    case "importStatement": return try importStatement().description
    case "paramStatement": return try paramStatement().description
    case "showStatement": return try showStatement().description
    case "binding": return try binding().description
    case "expressionStatement": return try expressionStatement().description
    case "expression": return try expression().description
    case "pipe": return try pipe().description
    case "pipeTarget": return try pipeTarget().description
    case "range": return try range().description
    case "additive": return try additive().description
    case "multiplicative": return try multiplicative().description
    case "unary": return try unary().description
    case "postfix": return try postfix().description
    case "primary": return try primary().description
    case "call": return try call().description
    case "arguments":
      // Parsed as the argument list of a call named `f`.
      return try arguments(callee: Identifier("f", range: current.range)).description
    case "argument":
      let a = try argument()
      return (a.label.map { $0.name + ": " } ?? "") + a.value.description
    case "list": return try list().description
    case "record": return try record().description
    case "field":
      let f = try field()
      return PrettyPrinter.key(f.key) + ": " + f.value.description
    case "group": return try group().description
    default: return nil
    }
  }
}
