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
    // "\r\n" is a single Character, so it is matched on its own.
    self.lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
      $0.hasSuffix("\r") ? $0.dropLast() : $0
    }
  }

  /// Reads a file; the error names the path.
  public static func read(path: String) throws -> SourceFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UserError("cannot read '\(path)': \(FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file")")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw UserError("'\(path)' is not valid UTF-8 text")
    }
    return SourceFile(path: path, text: text)
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
