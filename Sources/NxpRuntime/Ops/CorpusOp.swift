import Foundation
import NxpCore

/// `corpus("fortunes")`, `corpus("notes/*.txt", split: "lines")`, `corpus("data.jsonl", field: "body")`.
final class CorpusOp: Primitive {
  let name = "corpus"
  let version = 1
  var params: [Param] {
    [
      Param("source", .oneOf([.string, .list(.string)]), positional: true, doc: "an installed corpus name (\"fortunes\"), a file, a folder, a glob, or a list of them"),
      Param("split", .string, default: .string("paragraphs"), doc: "how plain text splits into documents: \"paragraphs\" (blank lines), \"lines\", or \"file\""),
      Param("field", .string, default: .string("text"), doc: "the text field of JSON Lines files"),
      Param("limit", .oneOf([.int, .null]), default: .null, doc: "keep only the first n documents"),
    ]
  }
  let summary = "documents of text from files (plain text or JSON Lines) or an installed corpus"
  let example = "texts = corpus(\"fortunes\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .corpus }

  func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String] {
    try CorpusReader.resolve(try args.strings("source"), ctx)
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let splitName = try args.string("split")
    guard let split = CorpusReader.Split(rawValue: splitName) else {
      throw UserError("corpus: unknown split \"\(splitName)\"; use one of \(CorpusReader.Split.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
    }
    let limit = try args.optionalInt("limit")
    if let limit, limit < 1 { throw UserError("corpus: `limit:` must be positive, got \(limit)") }
    let sources = try args.strings("source")
    let files = try CorpusReader.resolve(sources, ctx.plan)
    let docs = try CorpusReader.read(files: files, field: try args.string("field"), split: split, limit: limit, reporter: ctx.reporter)
    guard !docs.isEmpty else { throw UserError("corpus: \(sources.joined(separator: ", ")) has no documents") }
    let origin = sources.count == 1 ? sources[0] : "\(sources.count) sources"
    return .object(Corpus(documents: docs, origin: origin))
  }
}
