import Foundation

/// A JSON value as read from a safetensors header or index. Objects keep their members in file
/// order, duplicates included, so callers can reject a name given twice; numbers keep their text
/// so integers convert exactly.
enum SafeTensorsJSON {
  case object([(key: String, value: SafeTensorsJSON)])
  case array([SafeTensorsJSON])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  /// What kind of value this is, for error messages ("an array", "a string", ...).
  var kind: String {
    switch self {
    case .object: return "an object"
    case .array: return "an array"
    case .string: return "a string"
    case .number: return "a number"
    case .bool: return "a boolean"
    case .null: return "null"
    }
  }

  /// The value as a non-negative integer that fits in Int; a description of the problem otherwise.
  var nonNegativeInt: Result<Int, IntProblem> {
    guard case .number(let text) = self else { return .failure(.notANumber(kind)) }
    if text.hasPrefix("-") { return .failure(.negative(text)) }
    guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
      return .failure(.notAnInteger(text))
    }
    guard let v = Int(text) else { return .failure(.tooLarge(text)) }
    return .success(v)
  }

  enum IntProblem: Error, CustomStringConvertible {
    case notANumber(String), negative(String), notAnInteger(String), tooLarge(String)

    var description: String {
      switch self {
      case .notANumber(let kind): return "is \(kind), not an integer"
      case .negative(let t): return "is negative (\(t))"
      case .notAnInteger(let t): return "is not an integer (\(t))"
      case .tooLarge(let t): return "is too large (\(t))"
      }
    }
  }

  // MARK: - Parsing

  /// A syntax error with the byte offset where it was found.
  struct SyntaxError: Error, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "\(message) at byte \(offset)" }
  }

  /// Nesting deeper than this is rejected rather than recursed into, so a hostile header cannot
  /// exhaust the stack.
  static let maxDepth = 64

  /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed). The bytes
  /// must be UTF-8; invalid UTF-8 is a syntax error.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws -> SafeTensorsJSON {
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw SyntaxError(offset: 0, message: "invalid UTF-8")
    }
    var p = Parser(bytes: bytes)
    p.skipWhitespace()
    let value = try p.value(depth: 0)
    p.skipWhitespace()
    guard p.at >= bytes.count else { throw p.error("unexpected text after the JSON value") }
    return value
  }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var at = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func error(_ message: String) -> SyntaxError { SyntaxError(offset: at, message: message) }

    var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipWhitespace() {
      while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { at += 1 }
    }

    mutating func expect(_ c: UInt8) throws {
      guard peek == c else { throw error("expected '\(Character(UnicodeScalar(c)))'") }
      at += 1
    }

    mutating func literal(_ word: String, _ v: SafeTensorsJSON) throws -> SafeTensorsJSON {
      for c in word.utf8 {
        guard peek == c else { throw error("invalid literal") }
        at += 1
      }
      return v
    }

    mutating func value(depth: Int) throws -> SafeTensorsJSON {
      guard depth < SafeTensorsJSON.maxDepth else { throw error("nesting deeper than \(SafeTensorsJSON.maxDepth)") }
      guard let c = peek else { throw error("unexpected end of input") }
      switch c {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
      default: throw error("unexpected character")
      }
    }

    mutating func object(depth: Int) throws -> SafeTensorsJSON {
      try expect(UInt8(ascii: "{"))
      var members: [(key: String, value: SafeTensorsJSON)] = []
      skipWhitespace()
      if peek == UInt8(ascii: "}") {
        at += 1
        return .object(members)
      }
      while true {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let key = try string()
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        skipWhitespace()
        members.append((key, try value(depth: depth + 1)))
        skipWhitespace()
        if peek == UInt8(ascii: ",") {
          at += 1
          continue
        }
        try expect(UInt8(ascii: "}"))
        return .object(members)
      }
    }

    mutating func array(depth: Int) throws -> SafeTensorsJSON {
      try expect(UInt8(ascii: "["))
      var items: [SafeTensorsJSON] = []
      skipWhitespace()
      if peek == UInt8(ascii: "]") {
        at += 1
        return .array(items)
      }
      while true {
        skipWhitespace()
        items.append(try value(depth: depth + 1))
        skipWhitespace()
        if peek == UInt8(ascii: ",") {
          at += 1
          continue
        }
        try expect(UInt8(ascii: "]"))
        return .array(items)
      }
    }

    mutating func number() throws -> String {
      let start = at
      if peek == UInt8(ascii: "-") { at += 1 }
      guard let first = peek, isDigit(first) else { throw error("invalid number") }
      if first == UInt8(ascii: "0") {
        at += 1
      } else {
        while let c = peek, isDigit(c) { at += 1 }
      }
      if peek == UInt8(ascii: ".") {
        at += 1
        guard let c = peek, isDigit(c) else { throw error("invalid number") }
        while let c = peek, isDigit(c) { at += 1 }
      }
      if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
        at += 1
        if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
        guard let c = peek, isDigit(c) else { throw error("invalid number") }
        while let c = peek, isDigit(c) { at += 1 }
      }
      return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
    }

    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    mutating func string() throws -> String {
      try expect(UInt8(ascii: "\""))
      var out: [UInt8] = []
      while true {
        guard let c = peek else { throw error("unterminated string") }
        at += 1
        switch c {
        case UInt8(ascii: "\""):
          return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          guard let e = peek else { throw error("unterminated string") }
          at += 1
          switch e {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            let scalar = try unicodeEscape()
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
          default: throw error("invalid escape")
          }
        case 0x00..<0x20:
          throw error("control character in string")
        default:
          out.append(c)
        }
      }
    }

    /// Reads the hex digits after `\u`, joining a surrogate pair; a lone surrogate is an error.
    mutating func unicodeEscape() throws -> UnicodeScalar {
      let high = try hex4()
      if (0xD800..<0xDC00).contains(high) {
        guard peek == UInt8(ascii: "\\") else { throw error("lone surrogate in \\u escape") }
        at += 1
        guard peek == UInt8(ascii: "u") else { throw error("lone surrogate in \\u escape") }
        at += 1
        let low = try hex4()
        guard (0xDC00..<0xE000).contains(low) else { throw error("lone surrogate in \\u escape") }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        guard let s = UnicodeScalar(code) else { throw error("invalid \\u escape") }
        return s
      }
      guard let s = UnicodeScalar(high) else { throw error("lone surrogate in \\u escape") }
      return s
    }

    mutating func hex4() throws -> UInt32 {
      var v: UInt32 = 0
      for _ in 0..<4 {
        guard let c = peek else { throw error("unterminated \\u escape") }
        let d: UInt32
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
        default: throw error("invalid \\u escape")
        }
        v = v << 4 | d
        at += 1
      }
      return v
    }
  }

  // MARK: - Writing

  /// `s` as a JSON string literal, escaped the way the reference writer escapes: quote,
  /// backslash and control characters only.
  static func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{00}"..."\u{1F}": out += String(format: "\\u%04x", u.value)
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }
}
