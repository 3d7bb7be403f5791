import NxpCore

// MARK: - Helpers of the expression rules
//
// Token tests, node building and error reporting for Parser+Expressions.swift. They are kept
// out of line so that the recursive rule functions have small stack frames.

extension Parser {
  // MARK: - Operators

  /// Consumes `|>`, also when it starts the next line (which continues the statement).
  @inline(never)
  mutating func matchPipe() -> Bool {
    if currentKind == .newline && firstNonBreak(from: position).kind == .pipe { skipLineBreaks() }
    return match(.pipe)
  }

  @inline(never)
  mutating func pipeCallee() throws -> Identifier {
    guard case .name(let name) = currentKind else {
      throw errorAtCurrent(
        "expected a call or a name after '|>'", help: ["`x |> f(a)` means f(x, a), and `x |> f` means f(x)"])
    }
    return Identifier(name, range: advance().range)
  }

  @inline(never)
  mutating func makePipe(_ input: Expr, _ call: Call) throws -> Expr {
    let expr = try make(.pipe(input: input, call: call), input.range.union(call.range))
    let trailing: [Token.Kind] = [
      .dot, .leftBracket, .leftParen, .plus, .minus, .star, .slash, .halfOpenRange, .closedRange,
    ]
    if trailing.contains(currentKind) {
      throw errorAtCurrent(
        "the right side of '|>' must be a call or a name", help: ["wrap the pipe in parentheses: (x |> f) + 1"])
    }
    return expr
  }

  /// Consumes `..<` or `...` and tells which.
  @inline(never)
  mutating func matchRangeOperator() -> Bool? {
    if match(.halfOpenRange) { return false }
    if match(.closedRange) { return true }
    return nil
  }

  @inline(never)
  mutating func makeRange(_ lower: Expr, _ upper: Expr, closed: Bool) throws -> Expr {
    if check(.halfOpenRange) || check(.closedRange) {
      throw errorAtCurrent("a range cannot be the bound of another range")
    }
    return try make(.range(lower: lower, upper: upper, closed: closed), lower.range.union(upper.range))
  }

  /// Consumes one of two operator tokens and returns its operator.
  @inline(never)
  mutating func matchOperator(
    _ a: Token.Kind, _ opA: BinaryOperator, _ b: Token.Kind, _ opB: BinaryOperator
  ) -> BinaryOperator? {
    if match(a) { return opA }
    if match(b) { return opB }
    return nil
  }

  @inline(never)
  mutating func makeBinary(_ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr) throws -> Expr {
    try make(.binary(op, lhs, rhs), lhs.range.union(rhs.range))
  }

  /// Consumes a unary minus and counts it as a level of nesting (the caller undoes that).
  @inline(never)
  mutating func matchMinus() throws -> SourceRange? {
    guard check(.minus) else { return nil }
    let range = advance().range
    try enterNesting()
    return range
  }

  @inline(never)
  mutating func makeNegation(_ minus: SourceRange, _ operand: Expr) throws -> Expr {
    try make(.unary(.negate, operand), minus.union(operand.range))
  }

  // MARK: - Postfix

  enum PostfixForm {
    case member
    case index(opener: Token)
    case end
  }

  /// Consumes the `.` or `[` of a postfix operation and tells which it is.
  @inline(never)
  mutating func postfixForm() throws -> PostfixForm {
    if match(.dot) { return .member }
    if check(.leftBracket) { return .index(opener: try open(.leftBracket, "expected '['")) }
    try rejectCallOfNonName()
    return .end
  }

  @inline(never)
  mutating func makeMember(_ base: Expr) throws -> Expr {
    guard case .name(let name) = currentKind else { throw errorAtCurrent("expected member name after '.'") }
    let token = advance()
    return try make(.member(base, Identifier(name, range: token.range)), base.range.union(token.range))
  }

  @inline(never)
  mutating func makeIndex(_ base: Expr, _ index: Expr, opener: Token) throws -> Expr {
    let closer = try close(.rightBracket, "expected ']' after index", opener: opener)
    return try make(.index(base, index), base.range.union(closer.range))
  }

  /// `(` right after an expression that is not a name: only primitives are called.
  @inline(never)
  mutating func rejectCallOfNonName() throws {
    guard check(.leftParen) else { return }
    throw errorAtCurrent(
      "only a primitive can be called, by its name", help: ["write a call as name(arguments), like load(\"m\")"])
  }

  // MARK: - Primaries

  /// Literals and plain names; nil for a call or a bracket, which the caller parses.
  @inline(never)
  mutating func simplePrimary() throws -> Expr? {
    let token = current
    // After a trailing operator or comma, a line that can only start a statement is not the
    // missing operand: the operand is missing.
    if crossedLine && startsStatement(at: currentIndex) { throw expectedExpression() }
    let kind: Expr.Kind
    switch token.kind {
    case .int(let v): kind = .int(v)
    case .float(let v): kind = .float(v)
    case .string(let v): kind = .string(v)
    case .neuron(let layer, let index): kind = .neuron(layer: layer, index: index)
    case .true: kind = .bool(true)
    case .false: kind = .bool(false)
    case .none: kind = .none
    case .name(let name):
      if next.kind == .leftParen { return nil }
      kind = .name(name)
    case .leftBracket, .leftBrace, .leftParen: return nil
    default: throw expectedExpression()
    }
    advance()
    return try make(kind, token.range)
  }

  enum PrimaryForm { case call, list, record, group }

  /// Which bracketed primary starts here (after `simplePrimary` found none).
  @inline(never)
  mutating func primaryForm() -> PrimaryForm {
    switch currentKind {
    case .name: return .call
    case .leftBracket: return .list
    case .leftBrace: return .record
    default: return .group
    }
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

  @inline(never)
  mutating func calleeName() throws -> Identifier {
    guard case .name(let name) = currentKind else { throw errorAtCurrent("expected the name of a primitive") }
    return Identifier(name, range: advance().range)
  }

  @inline(never)
  mutating func makeCall(_ call: Call) throws -> Expr {
    try make(.call(call), call.range)
  }

  @inline(never)
  mutating func openArguments(of callee: Identifier) throws -> Token {
    try open(.leftParen, "expected '(' after `\(callee.name)`")
  }

  @inline(never)
  mutating func makeCall(_ callee: Identifier, _ arguments: [Argument], _ closer: Token) -> Call {
    Call(callee: callee, arguments: arguments, hasParentheses: true, range: callee.range.union(closer.range))
  }

  /// Reports labels given twice and positional arguments after labelled ones.
  @inline(never)
  mutating func checkLabels(_ arguments: [Argument]) {
    var firstLabel: [String: Identifier] = [:]
    var labelled: Identifier?
    for argument in arguments {
      if let label = argument.label {
        if let first = firstLabel[label.name] {
          report(
            "argument `\(label.name)` is given twice", at: label.range,
            notes: [note("`\(label.name)` is first given here", at: first.range)])
        } else {
          firstLabel[label.name] = label
        }
        if labelled == nil { labelled = label }
      } else if let labelled {
        report(
          "positional argument after labelled argument `\(labelled.name)`", at: argument.range,
          help: ["put positional arguments before labelled ones"])
      }
    }
  }

  /// Consumes `name:` before an argument's value, if there.
  @inline(never)
  mutating func argumentLabel() throws -> Identifier? {
    if case .name(let name) = currentKind, next.kind == .colon {
      let label = advance()
      advance()
      return Identifier(name, range: label.range)
    }
    if currentKind.isKeyword && next.kind == .colon {
      throw errorAtCurrent("\(currentKind.spelling) is a keyword and cannot be used as a label")
    }
    return nil
  }

  /// `f(6 : 12)`: a colon after a positional value means a label that is not a name.
  @inline(never)
  mutating func rejectColon(after value: Expr) throws {
    guard check(.colon) else { return }
    var help: [String] = []
    if case .int = value.kind { help = ["a neuron is written without spaces, like 6:123"] }
    throw errorAtCurrent("argument labels must be names", help: help)
  }

  @inline(never)
  mutating func makeArgument(_ label: Identifier?, _ value: Expr) -> Argument {
    Argument(label: label, value: value, range: label.map { $0.range.union(value.range) } ?? value.range)
  }

  @inline(never)
  mutating func makeList(_ items: [Expr], opener: Token) throws -> Expr {
    let closer = try close(
      .rightBracket, "expected ']' after list elements", opener: opener, separator: "expected ',' between list elements"
    )
    return try make(.list(items), opener.range.union(closer.range))
  }

  /// Consumes a field's key and its colon.
  @inline(never)
  mutating func fieldKey() throws -> Identifier {
    let key: String
    switch currentKind {
    case .name(let name): key = name
    case .string(let text): key = text
    default:
      throw errorAtCurrent("expected field name in record", help: ["a field is written name: value or \"name\": value"])
    }
    let token = advance()
    try expect(.colon, "expected ':' after field name")
    return Identifier(key, range: token.range)
  }

  /// Closes a record, reporting keys given twice.
  @inline(never)
  mutating func makeRecord(_ fields: [Field], opener: Token) throws -> Expr {
    var firstKey: [String: SourceRange] = [:]
    for field in fields {
      if let first = firstKey[field.key] {
        report(
          "field `\(field.key)` appears twice in the record", at: field.keyRange,
          notes: [note("`\(field.key)` first appears here", at: first)])
      } else {
        firstKey[field.key] = field.keyRange
      }
    }
    let closer = try close(
      .rightBrace, "expected '}' after record fields", opener: opener, separator: "expected ',' between record fields")
    return try make(.record(fields), opener.range.union(closer.range))
  }

  @inline(never)
  mutating func makeGroup(_ inner: Expr, opener: Token) throws -> Expr {
    let closer = try close(.rightParen, "expected ')' after expression", opener: opener)
    return inner.with(range: opener.range.union(closer.range))
  }
}
