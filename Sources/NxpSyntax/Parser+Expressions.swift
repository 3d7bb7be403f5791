import NxpCore

// The rule functions below recurse once per level of nesting, so they stay small: building
// nodes and reporting errors happen in helpers (Parser+Nodes.swift) whose frames are gone
// before the next level begins. That keeps a debug build's stack use per level low.

// MARK: - Operators, loosest first

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
    while matchPipe() {
      let call = try pipeTarget()
      expr = try makePipe(expr, call)
    }
    return expr
  }

  /// pipeTarget = NAME [ arguments ] ;
  mutating func pipeTarget() throws -> Call {
    let callee = try pipeCallee()
    if check(.leftParen) { return try arguments(callee: callee) }
    return Call(callee: callee, arguments: [], hasParentheses: false, range: callee.range)
  }

  /// range = additive [ ( "..<" | "..." ) additive ] ;
  mutating func range() throws -> Expr {
    let lower = try additive()
    guard let closed = matchRangeOperator() else { return lower }
    let upper = try additive()
    return try makeRange(lower, upper, closed: closed)
  }

  /// additive = multiplicative { ( "+" | "-" ) multiplicative } ;
  mutating func additive() throws -> Expr {
    var expr = try multiplicative()
    while let op = matchOperator(.plus, .add, .minus, .subtract) {
      let rhs = try multiplicative()
      expr = try makeBinary(op, expr, rhs)
    }
    return expr
  }

  /// multiplicative = unary { ( "*" | "/" ) unary } ;
  mutating func multiplicative() throws -> Expr {
    var expr = try unary()
    while let op = matchOperator(.star, .multiply, .slash, .divide) {
      let rhs = try unary()
      expr = try makeBinary(op, expr, rhs)
    }
    return expr
  }

  /// unary = "-" unary | postfix ;
  mutating func unary() throws -> Expr {
    guard let minus = try matchMinus() else { return try postfix() }
    defer { nesting -= 1 }
    let operand = try unary()
    return try makeNegation(minus, operand)
  }

  /// postfix = primary { "." NAME | "[" expression "]" } ;
  mutating func postfix() throws -> Expr {
    var expr = try primary()
    while true {
      switch try postfixForm() {
      case .member:
        expr = try makeMember(expr)
      case .index(let opener):
        let index = try expression()
        expr = try makeIndex(expr, index, opener: opener)
      case .end:
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
    if let simple = try simplePrimary() { return simple }
    switch primaryForm() {
    case .call:
      let call = try call()
      return try makeCall(call)
    case .list: return try list()
    case .record: return try record()
    case .group: return try group()
    }
  }

  /// call = NAME arguments ;
  mutating func call() throws -> Call {
    let callee = try calleeName()
    return try arguments(callee: callee)
  }

  /// arguments = "(" [ argument { "," argument } [ "," ] ] ")" ;
  mutating func arguments(callee: Identifier) throws -> Call {
    let opener = try openArguments(of: callee)
    var arguments: [Argument] = []
    while !atListEnd {
      arguments.append(try argument())
      if !match(.comma) { break }
    }
    checkLabels(arguments)
    let closer = try close(
      .rightParen, "expected ')' after arguments", opener: opener, separator: "expected ',' between arguments")
    return makeCall(callee, arguments, closer)
  }

  /// argument = [ NAME ":" ] expression ;
  mutating func argument() throws -> Argument {
    let label = try argumentLabel()
    let value = try expression()
    if label == nil { try rejectColon(after: value) }
    return makeArgument(label, value)
  }

  /// list = "[" [ expression { "," expression } [ "," ] ] "]" ;
  mutating func list() throws -> Expr {
    let opener = try open(.leftBracket, "expected '['")
    var items: [Expr] = []
    while !atListEnd {
      items.append(try expression())
      if !match(.comma) { break }
    }
    return try makeList(items, opener: opener)
  }

  /// record = "{" [ field { "," field } [ "," ] ] "}" ;
  mutating func record() throws -> Expr {
    let opener = try open(.leftBrace, "expected '{'")
    var fields: [Field] = []
    while !atListEnd {
      fields.append(try field())
      if !match(.comma) { break }
    }
    return try makeRecord(fields, opener: opener)
  }

  /// field = ( NAME | STRING ) ":" expression ;
  mutating func field() throws -> Field {
    let key = try fieldKey()
    let value = try expression()
    return Field(key: key.name, keyRange: key.range, value: value)
  }

  /// group = "(" expression ")" ;
  mutating func group() throws -> Expr {
    let opener = try open(.leftParen, "expected '('")
    let inner = try expression()
    return try makeGroup(inner, opener: opener)
  }
}
