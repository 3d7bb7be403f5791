import Foundation
import NxpCore

/// `corpus("fortunes")`, `corpus("notes/*.txt", split: "lines")`, `corpus("data.jsonl", field: "body")`.
final class CorpusOp: Primitive {
  let name = "corpus"
  let version = 1
  var params: [Param] {
    [
      Param(
        "source", .oneOf([.string, .list(.string)]), positional: true,
        doc: "an installed corpus name (\"fortunes\"), a file, a folder, a glob, or a list of them"),
      Param(
        "split", .string, default: .string("paragraphs"),
        doc: "how plain text splits into documents: \"paragraphs\" (blank lines), \"lines\", or \"file\""),
      Param("field", .string, default: .string("text"), doc: "the text field of JSON Lines files"),
      Param("limit", .oneOf([.int, .null]), default: .null, doc: "keep only the first n documents"),
    ]
  }
  let summary = "documents of text from files (plain text or JSON Lines) or an installed corpus"
  let example = "texts = corpus(\"fortunes\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .corpus }

  let fileParams = ["source"]
  func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String] {
    let files = try CorpusReader.resolve(try args.strings("source"), ctx)
    for f in files { try CorpusOp.checkIsFile(f) }
    return files
  }

  /// A device, pipe or socket named as a source (`corpus("/dev/null")`) is refused by what it is,
  /// before anything tries to hash or read it.
  static func checkIsFile(_ path: String) throws {
    var st = stat()
    guard stat(path, &st) == 0 else { return }  // a missing file is reported by the reader
    let kind: String
    switch st.st_mode & S_IFMT {
    case S_IFREG, S_IFDIR: return
    case S_IFCHR: kind = "a character device"
    case S_IFBLK: kind = "a block device"
    case S_IFIFO: kind = "a named pipe"
    case S_IFSOCK: kind = "a socket"
    default: kind = "not a regular file"
    }
    throw UserError(
      "corpus: '\(TerminalText.visible(path))' is \(kind), not a text file; give a text or JSON Lines file, a folder or a glob")
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let splitName = try args.string("split")
    guard let split = CorpusReader.Split(rawValue: splitName) else {
      throw UserError(
        "corpus: unknown split \"\(splitName)\"; use one of \(CorpusReader.Split.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"
      )
    }
    let limit = try args.optionalInt("limit")
    if let limit, limit < 1 { throw UserError("corpus: `limit:` must be positive, got \(limit)") }
    let sources = try args.strings("source")
    let files = try CorpusReader.resolve(sources, ctx.plan)
    for f in files { try CorpusOp.checkIsFile(f) }
    let docs = try CorpusReader.read(files: files, field: try args.string("field"), split: split, limit: limit, reporter: ctx.reporter)
    guard !docs.isEmpty else { throw UserError("corpus: \(sources.joined(separator: ", ")) has no documents") }
    let origin = sources.count == 1 ? sources[0] : "\(sources.count) sources"
    return .object(Corpus(documents: docs, origin: origin))
  }
}
