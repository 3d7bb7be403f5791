import Foundation

/// A position in a source file. Lines and columns are 1-based; columns count characters
/// (extended grapheme clusters), so a caret lines up under what a terminal shows.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  /// Offset in UTF-8 bytes from the start of the file.
  public var offset: Int

  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
  public var description: String { "\(line):\(column)" }
}

/// A half-open range of source text: `start` is the first character, `end` is one past the last.
public struct SourceRange: Hashable, Sendable {
  public var start: SourceLocation
  public var end: SourceLocation

  public init(_ start: SourceLocation, _ end: SourceLocation) {
    self.start = start
    self.end = end
  }

  public init(at location: SourceLocation) {
    self.start = location
    self.end = location
  }

  /// The smallest range covering both.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(min(start, other.start), max(end, other.end))
  }
}

/// The text of one script (a file, a REPL entry, or an inline string) with its line table.
public final class SourceFile: @unchecked Sendable {
  /// The name shown in diagnostics: the path as the user gave it, or `<repl>`.
  public let path: String
  public let text: String
  /// The text of each line without its terminator.
  public let lines: [Substring]

  public init(path: String, text: String) {
    self.path = path
    self.text = text
    self.lines = SourceFile.lines(of: text)
  }

  /// Lines end at `\n` and `\r\n`; a line's trailing `\r` is dropped. Split on the UTF-8 bytes:
  /// walking Characters took seconds for a 50 MB script.
  static func lines(of text: String) -> [Substring] {
    let utf8 = text.utf8
    var lines: [Substring] = []
    func line(_ start: String.Index, _ end: String.Index) -> Substring {
      if start < end, utf8[utf8.index(before: end)] == 0x0D { return text[start..<utf8.index(before: end)] }
      return text[start..<end]
    }
    var start = utf8.startIndex
    while let newline = utf8[start...].firstIndex(of: 0x0A) {
      lines.append(line(start, newline))
      start = utf8.index(after: newline)
    }
    lines.append(line(start, utf8.endIndex))
    return lines
  }

  /// Reads a file; the error names the path.
  public static func read(path: String) throws -> SourceFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UserError(
        "cannot read '\(path)': \(FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file")")
    }
    return try decode(data, path: path)
  }

  /// The text of `data`, or a `Diagnostic` at the line and column of the first byte that is not
  /// UTF-8 (the file it carries shows that line with the bad bytes replaced by U+FFFD).
  public static func decode(_ data: Data, path: String) throws -> SourceFile {
    if let text = String(data: data, encoding: .utf8) { return SourceFile(path: path, text: text) }
    let bytes = [UInt8](data)
    let bad = firstInvalidUTF8(bytes) ?? 0
    let lineStart = bytes[..<bad].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    let column = 1 + String(decoding: bytes[lineStart..<bad], as: UTF8.self).count
    let file = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
    let at = SourceLocation(line: line, column: column, offset: bad)
    throw Diagnostic(
      .error,
      "'\(path)' is not UTF-8 text: byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at line \(line), column \(column) (offset \(bad))",
      file: file, range: SourceRange(at, SourceLocation(line: line, column: column + 1, offset: bad + 1)),
      help: ["save the script as UTF-8 (e.g. iconv -f latin1 -t utf-8)"])
  }

  /// The offset of the first byte that does not belong to a valid UTF-8 sequence.
  public static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if b < 0x80 {
        i += 1
        continue
      }
      let length: Int, minimum: UInt32
      var scalar: UInt32
      switch b {
      case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F)
      case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F)
      case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07)
      default: return i
      }
      guard i + length <= bytes.count else { return i }
      for k in 1..<length {
        let c = bytes[i + k]
        guard c & 0xC0 == 0x80 else { return i }
        scalar = scalar << 6 | UInt32(c & 0x3F)
      }
      if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
      i += length
    }
    return nil
  }

  /// The text of a 1-based line, or "" past the end.
  public func line(_ number: Int) -> Substring {
    number >= 1 && number <= lines.count ? lines[number - 1] : ""
  }
}

/// An error meant for the user: its message is complete and printed as is.
public struct UserError: Error, CustomStringConvertible, LocalizedError, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
  public var errorDescription: String? { message }
}
