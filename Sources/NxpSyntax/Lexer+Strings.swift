import NxpCore

// MARK: - Strings

extension Lexer {
  static let escapeHelp = #"the escapes are \n \t \r \0 \" \\ and \u{...}"#

  /// `"..."` on one line, or `"""..."""` across lines.
  mutating func string() {
    if peek(1) == "\"" && peek(2) == "\"" { return tripleQuotedString() }
    let start = location
    let startIndex = index
    bump()
    var value = ""
    while true {
      guard let c = peek() else {
        error("unterminated string", SourceRange(start, location))
        break
      }
      if c == "\"" {
        bump()
        break
      }
      if c.isLineBreak {
        error(
          "unterminated string", SourceRange(start, location),
          help: ["a string ends on the line where it starts; use \"\"\" for text that spans lines"])
        break
      }
      if c == "\\" {
        escape(into: &value, multiline: false)
      } else {
        value.append(c)
        bump()
      }
    }
    add(.string(value), from: startIndex, start)
  }

  /// `"""` text `"""`. A line break right after the opening quotes is dropped. When the closing
  /// quotes stand on their own line, the line break before them is dropped too and their
  /// indentation is removed from every line, so a prompt can be indented with the code.
  mutating func tripleQuotedString() {
    let start = location
    let startIndex = index
    let contentStart = index + 3

    // Find the closing quotes first: the indentation to remove is known only there.
    var close: Int?
    var j = contentStart
    while j < chars.count {
      if chars[j] == "\\" {
        j += 2
        continue
      }
      if chars[j] == "\"" && j + 2 < chars.count && chars[j + 1] == "\"" && chars[j + 2] == "\"" {
        close = j
        break
      }
      j += 1
    }
    guard let close else {
      bump(chars.count - index)
      endsInsideString = true
      error("unterminated triple-quoted string", SourceRange(start, tokenEnd(start, 3)))
      add(.string(""), from: startIndex, start)
      return
    }

    let dropsFirstLineBreak = contentStart < close && chars[contentStart].isLineBreak
    var contentEnd = close
    var indent: [Character] = []
    if let lastBreak = (contentStart..<close).last(where: { chars[$0].isLineBreak }),
      chars[(lastBreak + 1)..<close].allSatisfy({ $0 == " " || $0 == "\t" })
    {
      indent = Array(chars[(lastBreak + 1)..<close])
      contentEnd = lastBreak
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
      let c = chars[index]
      if c.isLineBreak {
        value.append("\n")
        bump()
        atLineStart = true
      } else if c == "\\" {
        escape(into: &value, multiline: true)
      } else {
        value.append(c)
        bump()
      }
    }
    bump(close + 3 - index)
    add(.string(value), from: startIndex, start)
  }

  /// Skips `indent` at the start of a line; a line of only spaces shorter than it becomes empty.
  mutating func skipIndentation(_ indent: [Character], before end: Int) {
    guard !indent.isEmpty else { return }
    if index + indent.count <= end && Array(chars[index..<(index + indent.count)]) == indent {
      bump(indent.count)
      return
    }
    var k = index
    while k < end, chars[k] == " " || chars[k] == "\t" { k += 1 }
    if k - index < indent.count && (k == end || chars[k].isLineBreak) { bump(k - index) }
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
    guard let c = peek(), !c.isLineBreak else {
      // In a one-line string the unterminated-string error says it all.
      if multiline { error("a backslash at the end of a line is not an escape", SourceRange(start, location)) }
      return
    }
    let simple: [Character: String] = ["n": "\n", "t": "\t", "r": "\r", "0": "\0", "\"": "\"", "\\": "\\"]
    if let s = simple[c] {
      bump()
      value += s
      return
    }
    bump()
    guard c == "u" else {
      error(
        "invalid escape sequence '\(String(chars[startIndex..<index]))'", SourceRange(start, location),
        help: [Lexer.escapeHelp])
      return
    }
    // \u{1F600}: one to eight hex digits naming a Unicode scalar.
    var hex = ""
    var wellFormed = false
    if peek() == "{" {
      bump()
      while let d = peek(), d.isHexDigit {
        hex.append(d)
        bump()
      }
      if peek() == "}" {
        bump()
        wellFormed = true
      }
    }
    let text = String(chars[startIndex..<index])
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
