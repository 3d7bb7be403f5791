import NxpCore

// MARK: - Operators, lowest precedence first

extension Parser {
  /// expression = pipe ;
  mutating func expression() throws -> Expr {
    try enterNesting()
    defer { nesting -= 1 }
    return try pipe()
  }

  /// pipe = range { "|>" pipeTarget } ;
  mutating func pipe() throws -> Expr {
    var expr = try range()
    while true {
      // A line that starts with `|>` continues the statement above it.
      if current.kind == .newline && firstNonBreak(from: position).kind == .pipe { skipLineBreaks() }
      guard check(.pipe) else { break }
      advance()
      let call = try pipeTarget()
      expr = try make(.pipe(input: expr, call: call), expr.range.union(call.range))
      if [.dot, .leftBracket, .leftParen, .plus, .minus, .star, .slash, .halfOpenRange, .closedRange].contains(current.kind) {
        throw errorAtCurrent(
          "the right side of '|>' must be a call or a name",
          help: ["wrap the pipe in parentheses: (x |> f) + 1"])
      }
    }
    return expr
  }

  /// pipeTarget = NAME [ arguments ] ;
  mutating func pipeTarget() throws -> Call {
    guard case .name(let name) = current.kind else {
      throw errorAtCurrent(
        "expected a call or a name after '|>'", help: ["`x |> f(a)` means f(x, a), and `x |> f` means f(x)"])
    }
    let token = advance()
    let callee = Identifier(name, range: token.range)
    if check(.leftParen) { return try arguments(callee: callee) }
    return Call(callee: callee, arguments: [], hasParentheses: false, range: token.range)
  }

  /// range = additive [ ( "..<" | "..." ) additive ] ;
  mutating func range() throws -> Expr {
    let lower = try additive()
    guard check(.halfOpenRange) || check(.closedRange) else { return lower }
    let closed = advance().kind == .closedRange
    let upper = try additive()
    if check(.halfOpenRange) || check(.closedRange) {
      throw errorAtCurrent("a range cannot be the bound of another range")
    }
    return try make(.range(lower: lower, upper: upper, closed: closed), lower.range.union(upper.range))
  }

  /// additive = multiplicative { ( "+" | "-" ) multiplicative } ;
  mutating func additive() throws -> Expr {
    var expr = try multiplicative()
    while check(.plus) || check(.minus) {
      let op: BinaryOperator = advance().kind == .plus ? .add : .subtract
      let rhs = try multiplicative()
      expr = try make(.binary(op, expr, rhs), expr.range.union(rhs.range))
    }
    return expr
  }

  /// multiplicative = unary { ( "*" | "/" ) unary } ;
  mutating func multiplicative() throws -> Expr {
    var expr = try unary()
    while check(.star) || check(.slash) {
      let op: BinaryOperator = advance().kind == .star ? .multiply : .divide
      let rhs = try unary()
      expr = try make(.binary(op, expr, rhs), expr.range.union(rhs.range))
    }
    return expr
  }

  /// unary = "-" unary | postfix ;
  mutating func unary() throws -> Expr {
    guard check(.minus) else { return try postfix() }
    let op = advance()
    try enterNesting()
    defer { nesting -= 1 }
    let operand = try unary()
    return try make(.unary(.negate, operand), op.range.union(operand.range))
  }

  /// postfix = primary { "." NAME | "[" expression "]" } ;
  mutating func postfix() throws -> Expr {
    var expr = try primary()
    while true {
      if match(.dot) {
        guard case .name(let name) = current.kind else {
          throw errorAtCurrent("expected member name after '.'")
        }
        let token = advance()
        expr = try make(.member(expr, Identifier(name, range: token.range)), expr.range.union(token.range))
      } else if check(.leftBracket) {
        let opener = try open(.leftBracket, "expected '['")
        let index = try expression()
        let closer = try close(.rightBracket, "expected ']' after index", opener: opener)
        expr = try make(.index(expr, index), expr.range.union(closer.range))
      } else if check(.leftParen) {
        throw errorAtCurrent(
          "only a primitive can be called, by its name", help: ["write a call as name(arguments), like load(\"m\")"])
      } else {
        return expr
      }
    }
  }
}

// MARK: - Primaries

extension Parser {
  /// primary = INT | FLOAT | STRING | NEURON | "true" | "false" | "none" | call | NAME | list
  ///         | record | group ;
  mutating func primary() throws -> Expr {
    let token = current
    // After a trailing operator or comma, a line that can only start a statement is not the
    // missing operand: the operand is missing.
    if crossedLine && startsStatement(at: currentIndex) { throw expectedExpression() }
    let literal: Expr.Kind
    switch token.kind {
    case .int(let v): literal = .int(v)
    case .float(let v): literal = .float(v)
    case .string(let v): literal = .string(v)
    case .neuron(let layer, let index): literal = .neuron(layer: layer, index: index)
    case .true: literal = .bool(true)
    case .false: literal = .bool(false)
    case .none: literal = .none
    case .name(let name):
      if next.kind == .leftParen {
        let call = try call()
        return try make(.call(call), call.range)
      }
      literal = .name(name)
    case .leftBracket: return try list()
    case .leftBrace: return try record()
    case .leftParen: return try group()
    default: throw expectedExpression()
    }
    advance()
    return try make(literal, token.range)
  }

  /// "expected expression after '+'": names the token before the gap when it is punctuation.
  mutating func expectedExpression() -> Failure {
    switch previous.kind {
    case .newline, .semicolon, .name, .int, .float, .string, .neuron, .true, .false, .none, .rightParen,
      .rightBracket, .rightBrace, .cellMarker, .endOfInput, .invalid:
      return errorAtCurrent("expected expression")
    default:
      return errorAtCurrent("expected expression after \(previous.kind.spelling)")
    }
  }

  /// call = NAME arguments ;
  mutating func call() throws -> Call {
    guard case .name(let name) = current.kind else { throw errorAtCurrent("expected the name of a primitive") }
    let token = advance()
    return try arguments(callee: Identifier(name, range: token.range))
  }

  /// arguments = "(" [ argument { "," argument } [ "," ] ] ")" ;
  mutating func arguments(callee: Identifier) throws -> Call {
    let opener = try open(.leftParen, "expected '(' after `\(callee.name)`")
    var arguments: [Argument] = []
    var firstLabel: [String: Identifier] = [:]
    var labelled: Argument?
    while !atListEnd {
      let argument = try argument()
      if let label = argument.label {
        if let first = firstLabel[label.name] {
          report(
            "argument `\(label.name)` is given twice", at: label.range,
            notes: [note("`\(label.name)` is first given here", at: first.range)])
        } else {
          firstLabel[label.name] = label
        }
        if labelled == nil { labelled = argument }
      } else if let labelled, let label = labelled.label {
        report(
          "positional argument after labelled argument `\(label.name)`", at: argument.range,
          help: ["put positional arguments before labelled ones"])
      }
      arguments.append(argument)
      if !match(.comma) { break }
    }
    let closer = try close(
      .rightParen, "expected ')' after arguments", opener: opener, separator: "expected ',' between arguments")
    return Call(callee: callee, arguments: arguments, hasParentheses: true, range: callee.range.union(closer.range))
  }

  /// argument = [ NAME ":" ] expression ;
  mutating func argument() throws -> Argument {
    if case .name(let name) = current.kind, next.kind == .colon {
      let label = advance()
      advance()
      let value = try expression()
      return Argument(label: Identifier(name, range: label.range), value: value, range: label.range.union(value.range))
    }
    if current.kind.isKeyword && next.kind == .colon {
      throw errorAtCurrent("\(current.kind.spelling) is a keyword and cannot be used as a label")
    }
    let value = try expression()
    if check(.colon) {
      var help: [String] = []
      if case .int = value.kind { help = ["a neuron is written without spaces, like 6:123"] }
      throw errorAtCurrent("argument labels must be names", help: help)
    }
    return Argument(label: nil, value: value, range: value.range)
  }

  /// list = "[" [ expression { "," expression } [ "," ] ] "]" ;
  mutating func list() throws -> Expr {
    let opener = try open(.leftBracket, "expected '['")
    var items: [Expr] = []
    while !atListEnd {
      items.append(try expression())
      if !match(.comma) { break }
    }
    let closer = try close(
      .rightBracket, "expected ']' after list elements", opener: opener, separator: "expected ',' between list elements")
    return try make(.list(items), opener.range.union(closer.range))
  }

  /// record = "{" [ field { "," field } [ "," ] ] "}" ;
  mutating func record() throws -> Expr {
    let opener = try open(.leftBrace, "expected '{'")
    var fields: [Field] = []
    var firstKey: [String: SourceRange] = [:]
    while !atListEnd {
      let field = try field()
      if let first = firstKey[field.key] {
        report(
          "field `\(field.key)` appears twice in the record", at: field.keyRange,
          notes: [note("`\(field.key)` first appears here", at: first)])
      } else {
        firstKey[field.key] = field.keyRange
      }
      fields.append(field)
      if !match(.comma) { break }
    }
    let closer = try close(
      .rightBrace, "expected '}' after record fields", opener: opener, separator: "expected ',' between record fields")
    return try make(.record(fields), opener.range.union(closer.range))
  }

  /// field = ( NAME | STRING ) ":" expression ;
  mutating func field() throws -> Field {
    let key: String
    switch current.kind {
    case .name(let name): key = name
    case .string(let text): key = text
    default:
      throw errorAtCurrent("expected field name in record", help: ["a field is written name: value or \"name\": value"])
    }
    let keyToken = advance()
    try expect(.colon, "expected ':' after field name")
    let value = try expression()
    return Field(key: key, keyRange: keyToken.range, value: value)
  }

  /// group = "(" expression ")" ;
  mutating func group() throws -> Expr {
    let opener = try open(.leftParen, "expected '('")
    let inner = try expression()
    let closer = try close(.rightParen, "expected ')' after expression", opener: opener)
    return inner.with(range: opener.range.union(closer.range))
  }
}
