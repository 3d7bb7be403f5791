import Foundation
import NxpCore
import NxpRuntime
import NxpTestSupport
import Testing

/// The JSON Lines reader against Python's `json` on tricky lines, and its errors.
@Suite struct CorpusReaderTests {
  /// One line per case; each goes in its own file so an error in one does not hide the others.
  static let cases: [String] = [
    #"{"text": "plain"}"#,
    #"{"text": "esc \" \\ \/ \b \f \n \r \t end"}"#,
    #"{"text": "\u00e9\u4E2D\ud83d\ude00 pair, \u0041"}"#,
    #"{"text": "lone \ud800 high"}"#,
    #"{"text": "lone \udc00 low, \ud800\u0041 high then plain"}"#,
    #"{"id": 1, "meta": {"a": [1, 2.5e-3, {"b": "}\"]"}], "c": null, "d": [], "e": {}}, "text": "after nested"}"#,
    #"{"text": "first", "other": "x\"y", "n": -0.5E+10, "t": true, "f": false}"#,
    #"{"text": "dup1", "text": "dup2"}"#,
    "  {  \"text\"  :  \"spaces\"  }  \r",
    #"{"te\u0078t": "escaped key", "texts": "not this"}"#,
    #"{"text": "naïve 東京 🙂 raw UTF-8"}"#,
    #"{"text": ""}"#,
    "   ",
    #"{"a": NaN, "b": -Infinity, "c": Infinity, "text": "non-finite numbers elsewhere"}"#,
    #"{"text": "\u0000 nul and \u001f unit separator"}"#,
    "{\"text\": \"" + (0..<2000).map { "chunk \($0) é\\n\\\"q\\\" " + String(repeating: "x", count: $0 % 37) }.joined() + "\"}",
    #"{"text": "\\\\\\"}"#,
    #"{"text": "x"}"# + "\t ",
    // Errors in Python too.
    #"{"text": 5}"#,
    #"{"text": null}"#,
    #"{"text": ["a"]}"#,
    #"{"body": "x"}"#,
    #"["text"]"#,
    #""text""#,
    #"{"text": "unterminated"#,
    #"{"text": "bad \x escape"}"#,
    #"{"text": "a"} extra"#,
    #"{"text": "a",}"#,
    "{\"text\": \"raw tab\tinside\"}",
    #"{"text": "\u12"}"#,
    #"{"text": "\u12g4"}"#,
    #"{"a": 01, "text": "x"}"#,
    #"{"a": tru, "text": "x"}"#,
    #"{"a": 1., "text": "x"}"#,
    #"{"a": -, "text": "x"}"#,
    #"{"text": "x""#,
    #"{'text': 'x'}"#,
    #"{"a" 1, "text": "x"}"#,
    #"{"a": [1, 2,], "text": "x"}"#,
    #"{"a": {"b" : 1 "c": 2}, "text": "x"}"#,
  ]

  @Test func readsWhatPythonReads() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-jsonl")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var paths: [String] = []
    for (i, line) in Self.cases.enumerated() {
      let path = dir + "/case\(i).jsonl"
      try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: path))
      paths.append(path)
    }
    let reference = try PythonReference.run("jsonl_reference.py", ["text"] + paths)
    let expected = try #require(try JSONSerialization.jsonObject(with: reference) as? [[String: Any]])
    #expect(expected.count == Self.cases.count)
    var errors = 0
    for (i, path) in paths.enumerated() {
      let mine: Result<[String], Error> = Result { try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil) }
      if let docs = expected[i]["docs"] as? [String] {
        switch mine {
        case .success(let got): #expect(got == docs, "case \(i): \(Self.cases[i].prefix(80))")
        case .failure(let e): Issue.record("case \(i) failed but Python reads it: \(e)")
        }
      } else {
        errors += 1
        if case .success(let got) = mine { Issue.record("case \(i) read as \(got) but Python rejects it: \(Self.cases[i])") }
      }
    }
    #expect(errors == 22)
  }

  @Test func errorsNameTheFileLineAndColumnAndSayWhatIsWrong() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-jsonl")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func message(_ text: String, field: String = "text") throws -> String {
      let path = dir + "/c.jsonl"
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      do {
        _ = try CorpusReader.read(files: [path], field: field, split: .paragraphs, limit: nil)
        return "no error"
      } catch {
        return "\(error)".replacingOccurrences(of: dir + "/", with: "")
      }
    }
    #expect(try message("{\"text\": \"a\"}\n\n{\"text\": \"b\",}\n") == "corpus: c.jsonl:3:14: expected a field name in double quotes")
    #expect(
      try message("{\"text\": \"a\"}\n{\"id\": 2, \"body\": \"b\"}\n")
        == "corpus: c.jsonl:2:1: no \"text\" field (fields: \"body\", \"id\"); pass `field:` to choose one")
    #expect(try message("{\"text\": 12}") == "corpus: c.jsonl:1:1: field \"text\" is a number, not a string")
    #expect(try message("[1]") == "corpus: c.jsonl:1:1: expected a JSON object with a \"text\" field")
    #expect(try message("{\"text\": \"a\tb\"}") == "corpus: c.jsonl:1:12: control character 0x9 inside a string (write it as an escape)")
    #expect(try message("{\"text\": \"a\\qb\"}") == "corpus: c.jsonl:1:13: unknown escape '\\q' in a string")
    #expect(try message("{\"text\": \"a\"} x") == "corpus: c.jsonl:1:15: unexpected text after the JSON object")
    #expect(try message("{\"text\": \"a") == "corpus: c.jsonl:1:12: the line ends inside a string")
    var bad = Data("{\"text\": \"ok\"}\n{\"text\": \"caf".utf8)
    bad.append(contentsOf: [0xE9, 0x22, 0x7D, 0x0A])
    let path = dir + "/latin1.jsonl"
    try bad.write(to: URL(fileURLWithPath: path))
    #expect(throws: UserError.self) { try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil) }
    do {
      _ = try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil)
    } catch {
      #expect("\(error)".hasSuffix("latin1.jsonl:2:11: the string is not valid UTF-8"))
    }
  }

  @Test func theCacheFormatRoundTripsAndPythonReadsIt() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-jsonl")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let controls = String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self)
    let docs = [
      "plain", "quote \" backslash \\ slash / done", controls, "naïve 東京 🙂 \u{7F} \u{2028}", "line\nbreak\r\n",
      String(repeating: "long \"x\" ", count: 5000),
    ]
    let data = CorpusReader.jsonLinesData(docs)
    #expect(String(decoding: data.prefix(17), as: UTF8.self) == #"{"text":"plain"}"# + "\n")
    let path = dir + "/value.jsonl"
    try data.write(to: URL(fileURLWithPath: path))
    #expect(try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil) == docs)
    let reference = try PythonReference.run("jsonl_reference.py", ["text", path])
    let python = try #require(try JSONSerialization.jsonObject(with: reference) as? [[String: Any]])
    #expect(python.first?["docs"] as? [String] == docs)
  }

  @Test func unpairedSurrogatesAreReplacedWithAWarning() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-jsonl")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/s.jsonl"
    try Data("{\"text\": \"ok\"}\n{\"text\": \"a\\ud800b\\udfffc\"}\n".utf8).write(to: URL(fileURLWithPath: path))
    let reporter = CollectingReporter()
    let docs = try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil, reporter: reporter)
    #expect(docs == ["ok", "a\u{FFFD}b\u{FFFD}c"])
    #expect(reporter.warnings.count == 1)
    #expect(
      reporter.warnings.first?.hasSuffix("s.jsonl:2: 2 unpaired surrogate escapes (such as \\uD800 alone) replaced by U+FFFD") == true)
  }

  @Test func longLinesBlockBoundariesAndLimits() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-jsonl")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Lines of every length around the 4 MiB read block, and one much longer than it, so lines
    // straddle block ends and the buffer has to grow.
    var expected: [String] = []
    var text = ""
    var n = 0
    while text.utf8.count < 5 << 20 {
      let doc = "doc \(n) " + String(repeating: "ab\u{e9}", count: (n * 7919) % 50_000)
      expected.append(doc)
      text += "{\"n\": \(n), \"text\": \"\(doc)\"}\n"
      n += 1
    }
    let huge = String(repeating: "z", count: 6 << 20)
    expected.append(huge)
    text += "{\"text\": \"\(huge)\"}"  // no final newline
    let path = dir + "/big.jsonl"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let docs = try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil)
    #expect(docs.count == expected.count)
    #expect(docs == expected)

    // A limit stops reading: a malformed line after it is never reached.
    try Data("{\"text\": \"a\"}\n{\"text\": \"b\"}\nnot json\n".utf8).write(to: URL(fileURLWithPath: path))
    #expect(try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: 2) == ["a", "b"])
    #expect(throws: UserError.self) { try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: 3) }
  }
}
