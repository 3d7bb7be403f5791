import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

/// Grammar/nxp.ebnf is normative: every rule it names exists in the parser or lexer, and every
/// example script in the repository parses.
@Suite struct GrammarConformanceTests {
  static let grammarPath = TestEnvironment.repoRoot + "/Grammar/nxp.ebnf"

  /// Rule names in the order the grammar defines them: a name in the first column before `=`.
  static func ruleNames() throws -> [String] {
    let text = try String(contentsOfFile: grammarPath, encoding: .utf8)
    return text.split(separator: "\n").compactMap { line -> String? in
      guard let first = line.first, first.isLetter || first == "_" else { return nil }
      let name = line.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
      let rest = line.dropFirst(name.count).drop { $0 == " " }
      return rest.first == "=" ? String(name) : nil
    }
  }

  /// For each syntactic rule: text that matches it, and the canonical text of what it parses.
  static let syntacticSamples: [String: (String, String)] = [
    "script": ("a = 1\nshow a", "a = 1\nshow a"),
    "terminator": (";", ""),
    "statement": ("x = 1", "x = 1"),
    "cellMarker": ("# %% Title", "# %% Title"),
    "importStatement": ("import \"p.nxp\"", "import \"p.nxp\""),
    "paramStatement": ("param n = 2 * 3", "param n = 2 * 3"),
    "showStatement": ("show a,\n  b |> f", "show a, b |> f"),
    "binding": ("x = [1]", "x = [1]"),
    "expressionStatement": ("f(x)", "f(x)"),
    "expression": ("a\n  |> f(b) |> g", "a |> f(b) |> g"),
    "pipe": ("a |> f", "a |> f"),
    "pipeTarget": ("f(1, k: 2)", "f(1, k: 2)"),
    "range": ("0..<n + 1", "0..<n + 1"),
    "additive": ("1 + 2 - 3", "1 + 2 - 3"),
    "multiplicative": ("2 * 3 / -4", "2 * 3 / -4"),
    "unary": ("-x", "-x"),
    "postfix": ("x.y[0]", "x.y[0]"),
    "primary": ("6:123", "6:123"),
    "call": ("load(\"m\")", "load(\"m\")"),
    "arguments": ("(1,\n k: 2,)", "f(1, k: 2)"),
    "argument": ("k: 1", "k: 1"),
    "list": ("[1, 2]", "[1, 2]"),
    "record": ("{a: 1, \"b c\": 2}", "{a: 1, \"b c\": 2}"),
    "field": ("\"b c\": 2", "\"b c\": 2"),
    "group": ("(1 + 2)", "1 + 2"),
  ]

  /// For each lexical rule: text made of it, and the tokens it gives (without end of input).
  static let lexicalSamples: [String: (String, [Token.Kind])] = [
    "NAME": ("layer_2", [.name("layer_2")]),
    "INT": ("1_000", [.int(1000)]),
    "FLOAT": ("2.5E+4", [.float(25000)]),
    "EXPONENT": ("1e-3", [.float(0.001)]),
    "NEURON": ("6:123", [.neuron(layer: 6, index: 123)]),
    "STRING": ("\"a\\n\" \"\"\"\n  b\n  \"\"\"", [.string("a\n"), .string("b")]),
    "ESCAPE": ("\"\\u{1F600}\\t\"", [.string("😀\t")]),
    "CELL_MARKER": ("# %% Top neurons", [.cellMarker(title: "Top neurons")]),
    "COMMENT": ("# a comment", []),
    "NEWLINE": ("\r\n\n", [.newline, .newline]),
    "LETTER": ("_", [.name("_")]),
    "DIGIT": ("7", [.int(7)]),
    "HEX": ("\"\\u{aF}\"", [.string("\u{AF}")]),
    "CHARACTER": ("\"é 😀\"", [.string("é 😀")]),
    "EOF": ("", []),
  ]

  @Test func everySyntacticRuleHasAParserFunctionOfTheSameName() throws {
    let names = try GrammarConformanceTests.ruleNames().filter { $0.first!.isLowercase }
    #expect(names == Parser.ruleNames)
    #expect(Set(names) == Set(GrammarConformanceTests.syntacticSamples.keys))
    #expect(Parser.parse(rule: "noSuchRule", SourceFile(path: "r", text: "")) == nil)
    for name in names {
      guard let (text, expected) = GrammarConformanceTests.syntacticSamples[name] else { continue }
      let result = Parser.parse(rule: name, SourceFile(path: "rule.nxp", text: text))
      #expect(result?.diagnostics.map(\.message) == [], "\(name)")
      #expect(result?.text == expected, "\(name)")
    }
  }

  @Test func eachRuleFunctionRejectsWhatItsRuleDoesNot() {
    let cases: [(String, String, String)] = [
      ("cellMarker", "x", "1:1 expected a cell marker '# %%'"),
      ("importStatement", "import x", "1:8 expected a quoted path after 'import'"),
      ("binding", "1 = 2", "1:1 expected a name to bind"),
      ("pipe", "a |> 1", "1:6 expected a call or a name after '|>'"),
      ("call", "(x)", "1:1 expected the name of a primitive"),
      ("arguments", "x", "1:1 expected '(' after `f`"),
      ("field", "1: 2", "1:1 expected field name in record"),
      ("group", "(1", "1:3 expected ')' after expression"),
      ("range", "0..<1 2", "1:7 unexpected number"),
      ("terminator", "x", "1:1 expected end of line after statement"),
    ]
    for (rule, text, expected) in cases {
      let result = Parser.parse(rule: rule, SourceFile(path: "rule.nxp", text: text))
      #expect(result.map { located($0.diagnostics) } == [expected], "\(rule)")
    }
  }

  @Test func everyLexicalRuleIsAToken() throws {
    let names = try GrammarConformanceTests.ruleNames().filter { $0.first!.isUppercase }
    #expect(Set(names) == Set(GrammarConformanceTests.lexicalSamples.keys))
    for name in names {
      guard let (text, expected) = GrammarConformanceTests.lexicalSamples[name] else { continue }
      let result = lex(text)
      #expect(result.diagnostics.map(\.message) == [], "\(name)")
      #expect(Array(result.tokens.map(\.kind).dropLast()) == expected, "\(name)")
    }
  }

  /// Every Examples/*.nxp parses without a diagnostic (names are checked by the runtime, which
  /// knows the primitives).
  @Test func everyExampleScriptParses() throws {
    let dir = TestEnvironment.repoRoot + "/Examples"
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
      .filter { $0.hasSuffix(".nxp") }.sorted()
    for name in files {
      let file = try SourceFile.read(path: dir + "/" + name)
      let result = Parser.parse(file)
      #expect(result.diagnostics.isEmpty, "\(DiagnosticList(result.diagnostics))")
      #expect(result.status == .complete, "\(name)")
    }
  }
}
