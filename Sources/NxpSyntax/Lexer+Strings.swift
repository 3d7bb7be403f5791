import NxpCore

// MARK: - Strings

extension Lexer {
  static let escapeHelp = #"the escapes are \n \t \r \0 \" \\ and \u{...}"#
  static let simpleEscapes: [UInt8: String] = [
    UInt8(ascii: "n"): "\n", UInt8(ascii: "t"): "\t", UInt8(ascii: "r"): "\r", UInt8(ascii: "0"): "\0",
    Byte.quote: "\"", Byte.backslash: "\\",
  ]

  /// `"..."` on one line, or `"""..."""` across lines.
  mutating func string() {
    if peek(1) == Byte.quote && peek(2) == Byte.quote { return tripleQuotedString() }
    let start = location
    let startIndex = index
    bump()
    var value = ""
    while true {
      appendPlainText(to: &value, before: bytes.count, stoppingAtQuote: true)
      if atEnd {
        error("unterminated string", SourceRange(start, location))
        break
      }
      if peek() == Byte.quote {
        bump()
        break
      }
      if atLineBreak {
        error(
          "unterminated string", SourceRange(start, location),
          help: ["a string ends on the line where it starts; use \"\"\" for text that spans lines"])
        break
      }
      if bytes[index] == Byte.backslash {
        escape(into: &value, multiline: false)
      } else {
        // A quote that a combining mark joins is text.
        value.append(character(at: index))
        bump()
      }
    }
    add(.string(value), from: startIndex, start)
  }

  /// Appends the text up to the next backslash, line break, `end` or (when asked) quote to
  /// `value` in one piece.
  mutating func appendPlainText(to value: inout String, before end: Int, stoppingAtQuote: Bool) {
    let runStart = index
    while index < end && !atLineBreak {
      let b = bytes[index]
      if b == Byte.backslash || (stoppingAtQuote && b == Byte.quote) { break }
      bump()
    }
    if index > runStart { value += source(runStart..<index) }
  }

  /// `"""` text `"""`. A line break right after the opening quotes is dropped. When the closing
  /// quotes stand on their own line, the line break before them is dropped too and their
  /// indentation is removed from every line, so a prompt can be indented with the code.
  mutating func tripleQuotedString() {
    let start = location
    let startIndex = index
    let contentStart = index + 3

    // Find the closing quotes first: the indentation to remove is known only there. (A quote
    // byte is never part of a longer UTF-8 sequence, so bytes can be searched directly.)
    var close: Int?
    var j = contentStart
    while j < bytes.count {
      if bytes[j] == Byte.backslash {
        j += 2
        continue
      }
      if bytes[j] == Byte.quote && j + 2 < bytes.count && bytes[j + 1] == Byte.quote && bytes[j + 2] == Byte.quote {
        close = j
        break
      }
      j += 1
    }
    guard let close else {
      while !atEnd { bump() }
      endsInsideString = true
      error("unterminated triple-quoted string", SourceRange(start, tokenEnd(start, 3)))
      add(.string(""), from: startIndex, start)
      return
    }

    let dropsFirstLineBreak = isLineBreak(at: contentStart) && contentStart < close
    var contentEnd = close
    var indent = 0..<0
    if let lastNewline = (contentStart..<close).last(where: { bytes[$0] == Byte.lf }),
      bytes[(lastNewline + 1)..<close].allSatisfy({ $0 == Byte.space || $0 == Byte.tab })
    {
      indent = (lastNewline + 1)..<close
      contentEnd = lastNewline > contentStart && bytes[lastNewline - 1] == Byte.cr ? lastNewline - 1 : lastNewline
    }

    bump(3)
    var atLineStart = false
    if dropsFirstLineBreak {
      bump()
      atLineStart = true
    }
    var value = ""
    while index < contentEnd {
      if atLineStart {
        atLineStart = false
        skipIndentation(indent, before: contentEnd)
        if index >= contentEnd { break }
      }
      appendPlainText(to: &value, before: contentEnd, stoppingAtQuote: false)
      if index >= contentEnd { break }
      if atLineBreak {
        value.append("\n")
        bump()
        atLineStart = true
      } else {
        escape(into: &value, multiline: true)
      }
    }
    while index < close + 3 && !atEnd { bump() }
    add(.string(value), from: startIndex, start)
  }

  /// Skips the indentation `indent` (a byte range of spaces and tabs) at the start of a line; a
  /// line of only spaces shorter than it becomes empty.
  mutating func skipIndentation(_ indent: Range<Int>, before end: Int) {
    guard !indent.isEmpty else { return }
    if index + indent.count <= end && bytes[index..<(index + indent.count)].elementsEqual(bytes[indent]) {
      bump(indent.count)
      return
    }
    var k = index
    while k < end, bytes[k] == Byte.space || bytes[k] == Byte.tab { k += 1 }
    if k - index < indent.count && (k == end || isLineBreak(at: k)) { bump(k - index) }
  }

  /// The location `count` characters after `start` on its line (for the range of a delimiter).
  func tokenEnd(_ start: SourceLocation, _ count: Int) -> SourceLocation {
    SourceLocation(line: start.line, column: start.column + count, offset: start.offset + count)
  }

  /// Reads one escape sequence starting at a backslash and appends what it stands for.
  mutating func escape(into value: inout String, multiline: Bool) {
    let start = location
    let startIndex = index
    bump()
    guard !atEnd, !atLineBreak else {
      // In a one-line string the unterminated-string error says it all.
      if multiline { error("a backslash at the end of a line is not an escape", SourceRange(start, location)) }
      return
    }
    let c = peek()
    if let c, let s = Lexer.simpleEscapes[c] {
      bump()
      value += s
      return
    }
    bump()
    guard c == UInt8(ascii: "u") else {
      error(
        "invalid escape sequence '\(source(startIndex..<index))'", SourceRange(start, location),
        help: [Lexer.escapeHelp])
      return
    }
    // \u{1F600}: one to eight hex digits naming a Unicode scalar.
    var hex = ""
    var wellFormed = false
    if peek() == UInt8(ascii: "{") {
      bump()
      while let d = peek(), d.isASCIIHexDigit {
        hex.unicodeScalars.append(Unicode.Scalar(d))
        bump()
      }
      if peek() == UInt8(ascii: "}") {
        bump()
        wellFormed = true
      }
    }
    let text = source(startIndex..<index)
    guard wellFormed, (1...8).contains(hex.count), let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code)
    else {
      error(
        "invalid unicode escape '\(text)'", SourceRange(start, location),
        help: [#"write a Unicode scalar value in hex, like \u{1F600}"#])
      return
    }
    value.unicodeScalars.append(scalar)
  }
}
