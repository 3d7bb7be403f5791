import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#endif

/// Reads one string field from every line of a JSON Lines file at close to the disk's speed.
///
/// The file is read in blocks and scanned byte by byte, without building a JSON object per line:
/// each line must be one JSON object; the wanted field's string is decoded (all JSON escapes,
/// `\uXXXX` surrogate pairs included) and every other value is checked for well-formed JSON and
/// skipped. Memory is the documents kept plus one block (or the longest line, if longer).
/// What Python's `json` accepts is accepted, with two exceptions that cannot be represented: an
/// unpaired surrogate escape (`\uD800` alone) becomes U+FFFD and is counted, and the kept
/// string must be valid UTF-8. When a key occurs twice, the last one counts, as in Python.
struct JSONLinesScanner {
  /// The field's name as UTF-8.
  let field: [UInt8]
  /// Unpaired surrogate escapes replaced by U+FFFD so far, and the first line that had one.
  var replacedSurrogates = 0
  var firstReplacedLine: Int?

  init(field: String) { self.field = Array(field.utf8) }

  /// What went wrong on a line, with its 1-based byte column.
  struct LineError: Error {
    var column: Int
    var message: String
  }

  // MARK: - Files

  /// Streams `path` and calls `keep` with each line's text (empty strings are skipped);
  /// `keep` returns false to stop early. Errors name `path:line:column`.
  mutating func read(path: String, keep: (String) throws -> Bool) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw UserError("corpus: cannot read '\(path)': \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var capacity = 4 << 20
    var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    var filled = 0
    var lineNumber = 0
    var atEnd = false
    while !atEnd {
      if filled == capacity {
        // One line longer than the buffer: grow it to hold the line.
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: buffer, count: filled)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
      }
      let n = Glibc.read(fd, buffer + filled, capacity - filled)
      if n < 0 {
        if errno == EINTR { continue }
        throw UserError("corpus: cannot read '\(path)': \(String(cString: strerror(errno)))")
      }
      if n == 0 { atEnd = true }
      filled += n
      var start = 0
      while start < filled {
        let rest = filled - start
        let nl = memchr(buffer + start, 0x0A, rest)
        let end: Int
        if let nl {
          end = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
        } else if atEnd {
          end = filled
        } else {
          break
        }
        lineNumber += 1
        if lineNumber & 4095 == 0 { try Cancellation.check() }
        let line = UnsafeBufferPointer(start: buffer + start, count: end - start)
        start = nl == nil ? filled : end + 1
        do {
          if let text = try scanLine(line, lineNumber: lineNumber), !text.isEmpty {
            if try !keep(text) { return }
          }
        } catch let e as LineError {
          throw UserError("corpus: \(path):\(lineNumber):\(e.column): \(e.message)")
        }
      }
      // Keep the unfinished line at the front of the buffer.
      if start > 0 {
        if start < filled { buffer.update(from: buffer + start, count: filled - start) }
        filled -= start
      }
    }
  }

  // MARK: - One line

  /// The field's string on one line (without its newline), or nil for a blank line.
  mutating func scanLine(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws -> String? {
    guard let base = line.baseAddress else { return nil }
    var c = Cursor(p: base, start: base, end: base + line.count)
    c.skipSpace()
    if c.atEnd { return nil }
    guard c.peek == UInt8(ascii: "{") else {
      let wanted = "a JSON object with a \"\(String(decoding: field, as: UTF8.self))\" field"
      var probe = c
      let isValue = (try? probe.skipValue(depth: 0)) != nil
      throw c.error(isValue ? "expected \(wanted)" : "not valid JSON (expected \(wanted))")
    }
    c.p += 1
    var found: String?
    var foundKind: String?
    c.skipSpace()
    if !c.atEnd && c.peek == UInt8(ascii: "}") {
      c.p += 1
    } else {
      while true {
        c.skipSpace()
        guard !c.atEnd, c.peek == UInt8(ascii: "\"") else { throw c.error("expected a field name in double quotes") }
        let isField = try c.keyEquals(field)
        c.skipSpace()
        guard !c.atEnd, c.peek == UInt8(ascii: ":") else { throw c.error("expected ':' after a field name") }
        c.p += 1
        c.skipSpace()
        if isField {
          guard !c.atEnd else { throw c.error("expected a value") }
          if c.peek == UInt8(ascii: "\"") {
            let replacedBefore = c.replaced
            found = try c.string()
            foundKind = nil
            if c.replaced > replacedBefore {
              replacedSurrogates += c.replaced - replacedBefore
              if firstReplacedLine == nil { firstReplacedLine = lineNumber }
            }
            c.replaced = replacedBefore
          } else {
            foundKind = c.kindOfValue
            found = nil
            try c.skipValue(depth: 0)
          }
        } else {
          try c.skipValue(depth: 0)
        }
        c.skipSpace()
        guard !c.atEnd else { throw c.error("expected ',' or '}'; the line ends inside the object") }
        if c.peek == UInt8(ascii: ",") {
          c.p += 1
          continue
        }
        guard c.peek == UInt8(ascii: "}") else { throw c.error("expected ',' or '}' after a value") }
        c.p += 1
        break
      }
    }
    c.skipSpace()
    guard c.atEnd else { throw c.error("unexpected text after the JSON object") }
    if let found { return found }
    let name = String(decoding: field, as: UTF8.self)
    if let foundKind { throw LineError(column: 1, message: "field \"\(name)\" is \(foundKind), not a string") }
    let keys = Self.keys(line).map { "\"\($0)\"" }.joined(separator: ", ")
    throw LineError(column: 1, message: "no \"\(name)\" field (fields: \(keys)); pass `field:` to choose one")
  }

  /// The top-level keys of a well-formed line, for messages.
  static func keys(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
    guard let base = line.baseAddress else { return [] }
    var c = Cursor(p: base, start: base, end: base + line.count)
    var keys: [String] = []
    c.skipSpace()
    guard !c.atEnd, c.peek == UInt8(ascii: "{") else { return [] }
    c.p += 1
    while true {
      c.skipSpace()
      guard !c.atEnd, c.peek == UInt8(ascii: "\""), let key = try? c.string() else { break }
      keys.append(key)
      c.skipSpace()
      guard !c.atEnd, c.peek == UInt8(ascii: ":") else { break }
      c.p += 1
      c.skipSpace()
      guard (try? c.skipValue(depth: 0)) != nil else { break }
      c.skipSpace()
      guard !c.atEnd, c.peek == UInt8(ascii: ",") else { break }
      c.p += 1
    }
    return keys.sorted()
  }
}

/// A position in one line.
private struct Cursor {
  var p: UnsafePointer<UInt8>
  let start: UnsafePointer<UInt8>
  let end: UnsafePointer<UInt8>
  var replaced = 0

  static let maxDepth = 512

  var atEnd: Bool { p >= end }
  var peek: UInt8 { p.pointee }

  func error(_ message: String) -> JSONLinesScanner.LineError {
    JSONLinesScanner.LineError(column: start.distance(to: p) + 1, message: message)
  }

  @inline(__always)
  mutating func skipSpace() {
    while p < end {
      let b = p.pointee
      guard b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A else { return }
      p += 1
    }
  }

  /// A word for messages: what kind of JSON value starts here.
  var kindOfValue: String {
    switch peek {
    case UInt8(ascii: "{"): return "an object"
    case UInt8(ascii: "["): return "an array"
    case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
    case UInt8(ascii: "n"): return "null"
    default: return "a number"
    }
  }

  /// Advances past string content to the next byte that is `"`, `\` or a control character.
  @inline(__always)
  mutating func scanPlain() {
    let quote = SIMD16<UInt8>(repeating: 0x22)
    let backslash = SIMD16<UInt8>(repeating: 0x5C)
    let space = SIMD16<UInt8>(repeating: 0x20)
    while end - p >= 16 {
      let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt8>.self)
      let hit = (v .== quote) .| (v .== backslash) .| (v .< space)
      if any(hit) { break }
      p += 16
    }
    while p < end {
      let b = p.pointee
      if b == 0x22 || b == 0x5C || b < 0x20 { return }
      p += 1
    }
  }

  /// Compares the key string at `p` (at its opening quote) with `name`, and moves past it.
  mutating func keyEquals(_ name: [UInt8]) throws -> Bool {
    let open = p
    p += 1
    let contentStart = p
    scanPlain()
    if p < end && p.pointee == 0x22 {
      let length = contentStart.distance(to: p)
      p += 1
      return length == name.count && name.withUnsafeBufferPointer { memcmp($0.baseAddress!, contentStart, length) == 0 }
    }
    // Escapes in the key: decode it to compare.
    p = open
    let key = try string()
    return Array(key.utf8) == name
  }

  /// Decodes the string at `p` (at its opening quote) and moves past its closing quote.
  mutating func string() throws -> String {
    p += 1
    let contentStart = p
    scanPlain()
    guard p < end else { throw error("the line ends inside a string") }
    if p.pointee == 0x22 {
      let bytes = UnsafeBufferPointer(start: contentStart, count: contentStart.distance(to: p))
      guard let s = String(validating: bytes, as: UTF8.self) else {
        p = contentStart
        throw error("the string is not valid UTF-8")
      }
      p += 1
      return s
    }
    var out: [UInt8] = []
    out.reserveCapacity(contentStart.distance(to: p) + 64)
    out.append(contentsOf: UnsafeBufferPointer(start: contentStart, count: contentStart.distance(to: p)))
    while true {
      guard p < end else { throw error("the line ends inside a string") }
      let b = p.pointee
      if b == 0x22 {
        p += 1
        break
      }
      if b < 0x20 { throw error("control character 0x\(String(b, radix: 16)) inside a string (write it as an escape)") }
      // A backslash.
      guard p + 1 < end else { throw error("the line ends inside an escape") }
      let e = p[1]
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4(at: p + 2)
        var length = 6
        if scalar >= 0xD800 && scalar < 0xDC00 {
          if p + 12 <= end, p[6] == 0x5C, p[7] == UInt8(ascii: "u"), let low = try? hex4(at: p + 8), low >= 0xDC00, low < 0xE000 {
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            length = 12
          } else {
            scalar = 0xFFFD
            replaced += 1
          }
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
          scalar = 0xFFFD
          replaced += 1
        }
        appendUTF8(scalar, &out)
        p += length
        scanPlainAppending(&out)
        continue
      default:
        p += 1
        throw error("unknown escape '\\\(String(decoding: [e], as: UTF8.self))' in a string")
      }
      p += 2
      scanPlainAppending(&out)
    }
    guard let s = String(validating: out, as: UTF8.self) else {
      throw JSONLinesScanner.LineError(column: start.distance(to: contentStart) + 1, message: "the string is not valid UTF-8")
    }
    return s
  }

  @inline(__always)
  private mutating func scanPlainAppending(_ out: inout [UInt8]) {
    let from = p
    scanPlain()
    if p > from { out.append(contentsOf: UnsafeBufferPointer(start: from, count: from.distance(to: p))) }
  }

  private func hex4(at q: UnsafePointer<UInt8>) throws -> UInt32 {
    guard q + 4 <= end else { throw JSONLinesScanner.LineError(column: start.distance(to: q) - 1, message: "\\u needs four hex digits") }
    var v: UInt32 = 0
    for i in 0..<4 {
      let b = q[i]
      let d: UInt32
      switch b {
      case 0x30...0x39: d = UInt32(b - 0x30)
      case 0x41...0x46: d = UInt32(b - 0x41 + 10)
      case 0x61...0x66: d = UInt32(b - 0x61 + 10)
      default: throw JSONLinesScanner.LineError(column: start.distance(to: q) - 1, message: "\\u needs four hex digits")
      }
      v = v << 4 | d
    }
    return v
  }

  private func appendUTF8(_ v: UInt32, _ out: inout [UInt8]) {
    switch v {
    case 0..<0x80: out.append(UInt8(v))
    case 0x80..<0x800:
      out.append(UInt8(0xC0 | (v >> 6)))
      out.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
      out.append(UInt8(0xE0 | (v >> 12)))
      out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
      out.append(UInt8(0x80 | (v & 0x3F)))
    default:
      out.append(UInt8(0xF0 | (v >> 18)))
      out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
      out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
      out.append(UInt8(0x80 | (v & 0x3F)))
    }
  }

  /// Moves past a string without decoding it, checking its escapes.
  mutating func skipString() throws {
    p += 1
    while true {
      scanPlain()
      guard p < end else { throw error("the line ends inside a string") }
      let b = p.pointee
      if b == 0x22 {
        p += 1
        return
      }
      if b < 0x20 { throw error("control character 0x\(String(b, radix: 16)) inside a string (write it as an escape)") }
      guard p + 1 < end else { throw error("the line ends inside an escape") }
      switch p[1] {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
        p += 2
      case UInt8(ascii: "u"):
        _ = try hex4(at: p + 2)
        p += 6
      default:
        p += 1
        throw error("unknown escape '\\\(String(decoding: [p.pointee], as: UTF8.self))' in a string")
      }
    }
  }

  /// Moves past one JSON value, checking that it is well formed.
  mutating func skipValue(depth: Int) throws {
    guard p < end else { throw error("expected a value") }
    switch p.pointee {
    case 0x22: try skipString()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      guard depth < Cursor.maxDepth else { throw error("nested more than \(Cursor.maxDepth) levels deep") }
      let isObject = p.pointee == UInt8(ascii: "{")
      let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
      p += 1
      skipSpace()
      if p < end && p.pointee == close {
        p += 1
        return
      }
      while true {
        skipSpace()
        if isObject {
          guard p < end, p.pointee == 0x22 else { throw error("expected a field name in double quotes") }
          try skipString()
          skipSpace()
          guard p < end, p.pointee == UInt8(ascii: ":") else { throw error("expected ':' after a field name") }
          p += 1
          skipSpace()
        }
        try skipValue(depth: depth + 1)
        skipSpace()
        guard p < end else { throw error("the line ends inside \(isObject ? "an object" : "an array")") }
        if p.pointee == UInt8(ascii: ",") {
          p += 1
          continue
        }
        guard p.pointee == close else { throw error("expected ',' or '\(String(UnicodeScalar(close)))'") }
        p += 1
        return
      }
    case UInt8(ascii: "t"): try literal("true")
    case UInt8(ascii: "f"): try literal("false")
    case UInt8(ascii: "n"): try literal("null")
    case UInt8(ascii: "N"): try literal("NaN")
    case UInt8(ascii: "I"): try literal("Infinity")
    case UInt8(ascii: "-"):
      if p + 1 < end && p[1] == UInt8(ascii: "I") {
        p += 1
        try literal("Infinity")
      } else {
        try number()
      }
    case 0x30...0x39: try number()
    default: throw error("expected a value")
    }
  }

  private mutating func literal(_ word: StaticString) throws {
    let n = word.utf8CodeUnitCount
    guard p + n <= end, memcmp(p, word.utf8Start, n) == 0 else { throw error("expected a value") }
    p += n
  }

  /// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  private mutating func number() throws {
    func isDigit(_ q: UnsafePointer<UInt8>) -> Bool { q < end && q.pointee >= 0x30 && q.pointee <= 0x39 }
    if p.pointee == UInt8(ascii: "-") { p += 1 }
    guard isDigit(p) else { throw error("malformed number") }
    if p.pointee == 0x30 {
      p += 1
    } else {
      while isDigit(p) { p += 1 }
    }
    if p < end && p.pointee == UInt8(ascii: ".") {
      p += 1
      guard isDigit(p) else { throw error("malformed number") }
      while isDigit(p) { p += 1 }
    }
    if p < end && (p.pointee == UInt8(ascii: "e") || p.pointee == UInt8(ascii: "E")) {
      p += 1
      if p < end && (p.pointee == UInt8(ascii: "+") || p.pointee == UInt8(ascii: "-")) { p += 1 }
      guard isDigit(p) else { throw error("malformed number") }
      while isDigit(p) { p += 1 }
    }
  }
}
