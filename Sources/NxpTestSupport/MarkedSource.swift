import NxpCore

/// Source text with inline position markers, for tests that check where a diagnostic points.
///
///     let m = MarkedSource("x = f(1️⃣")
///     m.text          // "x = f("
///     m["1️⃣"]         // line 1, column 7, offset 6
///
/// The markers are the keycap digits 0️⃣ to 9️⃣ and 🔟; each is removed from the text and its
/// position (in the text without markers) recorded.
public struct MarkedSource: Sendable {
  public static let markers: [Character] = [
    "0️⃣", "1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟",
  ]

  /// The text without markers.
  public let text: String
  /// Each marker's position in `text`.
  public let locations: [String: SourceLocation]

  public init(_ marked: String) {
    var text = ""
    var locations: [String: SourceLocation] = [:]
    var location = SourceLocation(line: 1, column: 1, offset: 0)
    for c in marked {
      if MarkedSource.markers.contains(c) {
        locations[String(c)] = location
        continue
      }
      text.append(c)
      location.offset += c.utf8.count
      if c == "\n" || c == "\r\n" {
        location.line += 1
        location.column = 1
      } else {
        location.column += 1
      }
    }
    self.text = text
    self.locations = locations
  }

  /// The position of `marker`, or nil when the text has no such marker.
  public subscript(_ marker: String) -> SourceLocation? { locations[marker] }

  /// The text as a source file.
  public func file(path: String = "test.nxp") -> SourceFile { SourceFile(path: path, text: text) }
}
