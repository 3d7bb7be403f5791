import NxpCore

/// One lexical unit of a script, with the exact source text it came from.
public struct Token: Hashable, Sendable {
  /// What a token is; literal kinds carry their decoded value.
  public enum Kind: Hashable, Sendable {
    // MARK: - Literals and names
    case name(String)
    case int(Int)
    case float(Double)
    case string(String)
    /// `6:123`: layer and index of one neuron.
    case neuron(layer: Int, index: Int)

    // MARK: - Keywords
    case `import`, param, show, `true`, `false`, none

    // MARK: - Punctuation
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, colon, semicolon, dot, equal
    case plus, minus, star, slash
    /// `|>`
    case pipe
    /// `..<`
    case halfOpenRange
    /// `...`
    case closedRange

    // MARK: - Layout
    /// A line starting with `# %%`; the rest of the line, trimmed, is the title.
    case cellMarker(title: String)
    case newline
    case endOfInput
    /// Text the lexer could not read; the lexer has already reported it.
    case invalid
  }

  public var kind: Kind
  /// The source text of the token, exactly as written.
  public var text: String
  public var range: SourceRange

  public init(_ kind: Kind, text: String, range: SourceRange) {
    self.kind = kind
    self.text = text
    self.range = range
  }
}

// MARK: - Classification

extension Token.Kind {
  /// Reserved words and their kinds.
  static let keywords: [String: Token.Kind] = [
    "import": .import, "param": .param, "show": .show, "true": .true, "false": .false, "none": .none,
  ]

  var isKeyword: Bool {
    switch self {
    case .import, .param, .show, .true, .false, .none: return true
    default: return false
    }
  }

  /// Tokens after which a line break does not end the statement: a line that ends with one of
  /// these is continued by the next line.
  var continuesLine: Bool {
    switch self {
    case .plus, .minus, .star, .slash, .pipe, .halfOpenRange, .closedRange, .equal, .comma,
      .leftParen, .leftBracket, .leftBrace, .colon:
      return true
    default: return false
    }
  }

  /// How the token is named in messages ("expected expression after '+'").
  var spelling: String {
    switch self {
    case .name(let n): return "`\(n)`"
    case .int, .float: return "number"
    case .string: return "string"
    case .neuron: return "neuron literal"
    case .import: return "'import'"
    case .param: return "'param'"
    case .show: return "'show'"
    case .true: return "'true'"
    case .false: return "'false'"
    case .none: return "'none'"
    case .leftParen: return "'('"
    case .rightParen: return "')'"
    case .leftBracket: return "'['"
    case .rightBracket: return "']'"
    case .leftBrace: return "'{'"
    case .rightBrace: return "'}'"
    case .comma: return "','"
    case .colon: return "':'"
    case .semicolon: return "';'"
    case .dot: return "'.'"
    case .equal: return "'='"
    case .plus: return "'+'"
    case .minus: return "'-'"
    case .star: return "'*'"
    case .slash: return "'/'"
    case .pipe: return "'|>'"
    case .halfOpenRange: return "'..<'"
    case .closedRange: return "'...'"
    case .cellMarker: return "cell marker"
    case .newline: return "end of line"
    case .endOfInput: return "end of input"
    case .invalid: return "invalid text"
    }
  }
}
