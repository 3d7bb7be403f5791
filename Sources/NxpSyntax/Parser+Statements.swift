import NxpCore

// MARK: - Script and statements

extension Parser {
  /// script = { [ statement ] terminator } [ statement ] EOF ;
  mutating func script() -> Script {
    while true {
      while check(.newline) || check(.semicolon) { advance() }
      if check(.endOfInput) { break }
      let start = position
      do {
        var statement = try statement()
        try terminator()
        // Kept only when it ends cleanly: `x = a @ b` does not define `x`.
        statement.cell = cells.count - 1
        if case .cellMarker = statement.kind {
        } else {
          cells[cells.count - 1].statements.append(statements.count)
        }
        statements.append(statement)
      } catch {
        synchronize(statementStart: start)
      }
    }
    return Script(file: file, statements: statements, cells: cells)
  }

  /// terminator = NEWLINE | ";" ;
  mutating func terminator() throws {
    switch currentKind {
    case .newline, .semicolon:
      advance()
    case .endOfInput:
      return
    case .rightParen, .rightBracket, .rightBrace:
      throw unmatchedClosingBracket()
    default:
      throw errorAtCurrent("expected end of line after statement")
    }
  }

  /// statement = cellMarker | importStatement | paramStatement | showStatement | binding
  ///           | expressionStatement ;
  mutating func statement() throws -> Statement {
    let kind = currentKind
    if kind.isKeyword && next.kind == .equal {
      throw errorAtCurrent("\(kind.spelling) is a keyword and cannot be used as a name")
    }
    switch kind {
    case .cellMarker: return try cellMarker()
    case .import: return try importStatement()
    case .param: return try paramStatement()
    case .show: return try showStatement()
    case .name where next.kind == .equal: return try binding()
    case .rightParen, .rightBracket, .rightBrace: throw unmatchedClosingBracket()
    case .pipe:
      throw errorAtCurrent(
        "'|>' must follow an expression", help: ["a line that starts with '|>' continues the statement above it"])
    default: return try expressionStatement()
    }
  }

  mutating func unmatchedClosingBracket() -> Failure {
    let kind = currentKind
    let opener = kind == .rightParen ? "'('" : kind == .rightBracket ? "'['" : "'{'"
    return errorAtCurrent("unexpected \(kind.spelling) without a matching \(opener)")
  }

  /// cellMarker = CELL_MARKER ;
  mutating func cellMarker() throws -> Statement {
    guard case .cellMarker(let title) = currentKind else { throw errorAtCurrent("expected a cell marker '# %%'") }
    let token = advance()
    // `--cell TITLE` must name one cell: a second cell with the same title is an error.
    if !title.isEmpty, let first = cells.first(where: { $0.title == title }), let firstRange = first.markerRange {
      diagnostics.append(
        Diagnostic(
          .error, "a cell titled \"\(title)\" already exists at line \(firstRange.start.line)", file: file, range: token.range,
          help: ["give each cell its own title, so `nxp run --cell` can name it"],
          notes: [note("the first cell titled \"\(title)\" is here", at: firstRange)]))
    }
    cells.append(Cell(index: cells.count, title: title, markerRange: token.range))
    return Statement(.cellMarker(title: title), range: token.range, cell: cells.count - 1)
  }

  /// importStatement = "import" STRING ;
  mutating func importStatement() throws -> Statement {
    let keyword = try expect(.import, "expected 'import'")
    guard case .string(let path) = currentKind else {
      throw errorAtCurrent("expected a quoted path after 'import'", help: ["write import \"prelude.nxp\""])
    }
    let pathToken = advance()
    return Statement(
      .import(path: path, pathRange: pathToken.range), range: keyword.range.union(pathToken.range), cell: 0)
  }

  /// paramStatement = "param" NAME "=" expression ;
  mutating func paramStatement() throws -> Statement {
    let keyword = try expect(.param, "expected 'param'")
    guard case .name(let name) = currentKind else {
      if currentKind.isKeyword {
        throw errorAtCurrent("\(currentKind.spelling) is a keyword and cannot be used as a name")
      }
      throw errorAtCurrent("expected parameter name after 'param'")
    }
    let nameToken = advance()
    try expect(.equal, "expected '=' after parameter name", help: ["a parameter needs a value: param \(name) = 1"])
    let value = try expression()
    return Statement(
      .param(name: Identifier(name, range: nameToken.range), value: value), range: keyword.range.union(value.range),
      cell: 0)
  }

  /// showStatement = "show" expression { "," expression } ;
  mutating func showStatement() throws -> Statement {
    let keyword = try expect(.show, "expected 'show'")
    var values = [try expression()]
    while match(.comma) {
      values.append(try expression())
    }
    return Statement(.show(values), range: keyword.range.union(values[values.count - 1].range), cell: 0)
  }

  /// binding = NAME "=" expression ;
  mutating func binding() throws -> Statement {
    guard case .name(let name) = currentKind else { throw errorAtCurrent("expected a name to bind") }
    let nameToken = advance()
    try expect(.equal, "expected '=' after `\(name)`")
    let value = try expression()
    return Statement(
      .binding(name: Identifier(name, range: nameToken.range), value: value),
      range: nameToken.range.union(value.range), cell: 0)
  }

  /// expressionStatement = expression ;
  mutating func expressionStatement() throws -> Statement {
    let value = try expression()
    return Statement(.expression(value), range: value.range, cell: 0)
  }
}
