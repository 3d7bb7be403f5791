import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#endif

/// Documents of text to cut excerpts from.
public final class Corpus: RuntimeObject {
  public let documents: [String]
  /// Where the documents came from (file names or the corpus name), for summaries.
  public let origin: String

  public init(documents: [String], origin: String) {
    self.documents = documents
    self.origin = origin
  }

  public static let typeName = "Corpus"
  public var byteCount: Int { documents.reduce(0) { $0 + $1.utf8.count } }
  public var summary: String {
    "Corpus \(origin): \(documents.count) document\(documents.count == 1 ? "" : "s"), \(formatBytes(byteCount))"
  }

  public func render(_ style: RenderStyle) -> String {
    summary + "\n" + previewLines(count: documents.count, noun: "document", style: style) { documents[$0] }
  }
}

/// Reads corpus files: plain text split into documents, or JSON Lines with a text field.
public enum CorpusReader {
  public enum Split: String, CaseIterable, Sendable {
    /// Documents separated by one or more blank lines.
    case paragraphs
    /// One document per non-empty line.
    case lines
    /// Each file is one document.
    case file
  }

  /// Resolves what a script wrote (`"fortunes"`, `"data/*.txt"`, `["a.txt", "b.jsonl"]`) to files.
  public static func resolve(_ specs: [String], _ ctx: PlanContext) throws -> [String] {
    var files: [String] = []
    for spec in specs {
      if isName(spec) {
        files.append(try namedCorpus(spec, ctx.environment))
        continue
      }
      let path = ctx.resolve(spec)
      if spec.contains(where: { "*?[".contains($0) }) {
        let matches = glob(path).filter { isRegularFile($0) }
        guard !matches.isEmpty else { throw UserError("corpus: no files match '\(spec)' (searched \(path))") }
        files += matches
      } else {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
          throw UserError("corpus: no such file '\(spec)'" + (spec == path ? "" : " (resolved to \(path))"))
        }
        if isDir.boolValue {
          let inside = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }.filter { isRegularFile($0) }
          guard !inside.isEmpty else { throw UserError("corpus: folder '\(spec)' has no files") }
          files += inside
        } else {
          guard FileManager.default.isReadableFile(atPath: path) else {
            throw UserError("corpus: cannot read '\(spec)': permission denied")
          }
          files.append(path)
        }
      }
    }
    return files
  }

  /// A bare word such as `fortunes` names an installed corpus rather than a path.
  static func isName(_ spec: String) -> Bool {
    !spec.isEmpty && spec.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
  }

  static func namedCorpus(_ name: String, _ env: Environment) throws -> String {
    let dir = env.corporaDirectory
    for ext in ["jsonl", "txt"] {
      let path = "\(dir)/\(name).\(ext)"
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    if name == "fortunes" {
      throw UserError(
        "corpus `fortunes` is not installed in \(dir); install it with `scripts/install-corpus.sh` (needs Debian's fortunes package)")
    }
    let installed = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
      .filter { $0.hasSuffix(".jsonl") || $0.hasSuffix(".txt") }
      .map { ($0 as NSString).deletingPathExtension }.sorted()
    var message = "no corpus named `\(name)` in \(dir)"
    message += installed.isEmpty ? "" : " (installed: \(installed.joined(separator: ", ")))"
    if let s = NameSuggester.suggest(name, from: installed) { message += "; did you mean `\(s)`?" }
    throw UserError(message + "; to read a file, write its path, e.g. \"./\(name).txt\"")
  }

  /// Reads documents from resolved files. JSON Lines files (`.jsonl`, `.ndjson`) take `field`
  /// and are streamed (`JSONLinesScanner`), so memory follows what is kept; other files are text
  /// split by `split`. Unpaired `\uD800`-style escapes become U+FFFD, with a warning.
  public static func read(
    files: [String], field: String, split: Split, limit: Int?, reporter: Reporter? = nil
  ) throws -> [String] {
    var docs: [String] = []
    for path in files {
      let ext = (path as NSString).pathExtension.lowercased()
      if ext == "jsonl" || ext == "ndjson" {
        var scanner = JSONLinesScanner(field: field)
        try scanner.read(path: path) { text in
          docs.append(text)
          return limit.map { docs.count < $0 } ?? true
        }
        if scanner.replacedSurrogates > 0, let reporter {
          reporter.warning(
            "corpus: \(path):\(scanner.firstReplacedLine ?? 0): \(scanner.replacedSurrogates) unpaired surrogate escape"
              + "\(scanner.replacedSurrogates == 1 ? "" : "s") (such as \\uD800 alone) replaced by U+FFFD")
        }
      } else {
        guard let data = FileManager.default.contents(atPath: path) else {
          throw UserError("corpus: cannot read '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
          throw UserError("corpus: '\(path)' is not UTF-8 text")
        }
        docs += splitText(text, split)
      }
      if let limit, docs.count >= limit { return Array(docs.prefix(limit)) }
    }
    return docs
  }

  /// Streams the `field` strings of one JSON Lines file (empty strings skipped), as the cache
  /// reads a stored corpus back.
  static func jsonLines(path: String, field: String) throws -> [String] {
    var scanner = JSONLinesScanner(field: field)
    var docs: [String] = []
    try scanner.read(path: path) { text in
      docs.append(text)
      return true
    }
    return docs
  }

  /// Documents as JSON Lines `{"text":"..."}`, one per line: how the cache stores a corpus.
  /// Quotes, backslashes and control characters are escaped; everything else is written as is.
  public static func jsonLinesData(_ documents: [String]) -> Data {
    var out: [UInt8] = []
    out.reserveCapacity(documents.reduce(0) { $0 + $1.utf8.count + 12 } + 64)
    let hex = Array("0123456789abcdef".utf8)
    for var doc in documents {
      out.append(contentsOf: #"{"text":""#.utf8)
      doc.withUTF8 { bytes in
        var runStart = 0
        for i in 0..<bytes.count {
          let b = bytes[i]
          guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
          if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
          runStart = i + 1
          out.append(0x5C)
          switch b {
          case 0x22: out.append(0x22)
          case 0x5C: out.append(0x5C)
          case 0x0A: out.append(UInt8(ascii: "n"))
          case 0x0D: out.append(UInt8(ascii: "r"))
          case 0x09: out.append(UInt8(ascii: "t"))
          case 0x08: out.append(UInt8(ascii: "b"))
          case 0x0C: out.append(UInt8(ascii: "f"))
          default:
            out.append(contentsOf: "u00".utf8)
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
          }
        }
        if bytes.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
      }
      out.append(contentsOf: "\"}\n".utf8)
    }
    return Data(out)
  }

  static func splitText(_ text: String, _ split: Split) -> [String] {
    switch split {
    case .file:
      let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
      return t.isEmpty ? [] : [t]
    case .lines:
      return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    case .paragraphs:
      var docs: [String] = []
      var current: [Substring] = []
      for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.allSatisfy(\.isWhitespace) {
          if !current.isEmpty { docs.append(current.joined(separator: "\n")) }
          current = []
        } else {
          current.append(line.hasSuffix("\r") ? line.dropLast() : line)
        }
      }
      if !current.isEmpty { docs.append(current.joined(separator: "\n")) }
      return docs
    }
  }

  static func glob(_ pattern: String) -> [String] {
    var g = glob_t()
    defer { globfree(&g) }
    guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
    return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
  }

  static func isRegularFile(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
  }
}

/// `12.3 MB`, `512 B`.
public func formatBytes(_ n: Int) -> String {
  let d = Double(n)
  if d >= 1e9 { return String(format: "%.2f GB", d / 1e9) }
  if d >= 1e6 { return String(format: "%.1f MB", d / 1e6) }
  if d >= 1e3 { return String(format: "%.1f kB", d / 1e3) }
  return "\(n) B"
}

extension Corpus: Sliceable, Tabular, PositionIndexable {
  public static let itemType = ValueType.string
  public static let itemNoun = "document"
  public var itemCount: Int { documents.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject {
    Corpus(documents: Array(documents[range]), origin: origin)
  }
  public func item(at index: Int) throws -> Value { .string(documents[index]) }
  public func asTable() -> Table {
    Table(
      columns: [.init("document", .int), .init("bytes", .int), .init("text", .string)],
      rows: documents.enumerated().map { [.int($0.offset), .int($0.element.utf8.count), .string($0.element)] })
  }
}
