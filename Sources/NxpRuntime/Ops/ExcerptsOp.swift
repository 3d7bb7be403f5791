import Foundation
import NxpCore
import NxpModels

/// `excerpts(model, corpus, tokens: 64, limit: 4000, seed: 0)`: fixed-length token windows.
///
/// Documents are shuffled with the seed, tokenized, and packed into one stream with the model's
/// document separator (`<|endoftext|>`, else its end-of-sequence token) between them; the stream
/// is cut into consecutive windows of `tokens` tokens. Short documents (most fortunes) thus share
/// an excerpt, as in pretraining; long ones span several.
final class ExcerptsOp: Primitive {
  let name = "excerpts"
  let version = 1
  var params: [Param] {
    [
      Param("model", .model, positional: true, doc: "whose tokenizer cuts the text"),
      Param("corpus", .corpus, positional: true, doc: "the documents"),
      Param("tokens", .int, default: .int(64), doc: "tokens per excerpt (the paper used 64)"),
      Param("limit", .oneOf([.int, .null]), default: .null, doc: "at most this many excerpts (default: all the corpus gives)"),
      Param("seed", .int, default: .int(0), doc: "seed of the document shuffle"),
    ]
  }
  let summary = "fixed-length token excerpts of a corpus, reproducible for a seed"
  let example = "texts = corpus(\"fortunes\") |> excerpts(model, tokens: 64, limit: 4000)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .excerpts }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let model = try args.object("model", ModelValue.self)
    let corpus = try args.object("corpus", Corpus.self)
    let t = try args.positiveInt("tokens")
    let limit = try args.optionalInt("limit")
    if let limit, limit < 1 { throw UserError("excerpts: `limit:` must be positive, got \(limit)") }
    let seed = try args.int("seed")
    guard t <= model.configuration.contextLength else {
      throw UserError("excerpts: \(t) tokens is longer than \(model.name)'s context of \(model.configuration.contextLength)")
    }
    let tok = try model.tokenizer()
    let separator = tok.id(of: "<|endoftext|>") ?? tok.eosID ?? model.configuration.eosTokenID

    var order = Array(corpus.documents.indices)
    ExcerptsOp.shuffle(&order, seed: UInt64(bitPattern: Int64(seed)))
    // Token ids only (no per-token text), and no more of them than the limit keeps.
    // A limit past what any corpus could give (`limit * t` overflows) means all of it.
    let wanted = limit.flatMap { l -> Int? in
      let w = l.multipliedReportingOverflow(by: t)
      return w.overflow ? nil : w.partialValue
    }
    var stream: [Int32] = []
    for (n, d) in order.enumerated() {
      if n % 256 == 0 { try Cancellation.check() }
      if n > 0, let separator { stream.append(separator) }
      let ids = tok.encode(corpus.documents[d], parseSpecial: false)
      if let wanted, stream.count + ids.count > wanted {
        stream += ids.prefix(wanted - stream.count)
      } else {
        stream += ids
      }
      if let wanted, stream.count >= wanted { break }
    }
    let count = min(stream.count / t, limit ?? Int.max)
    guard count > 0 else {
      throw UserError("excerpts: the corpus has only \(stream.count) tokens, fewer than one excerpt of \(t)")
    }
    stream.removeSubrange((count * t)...)
    let ids = stream
    var vocabulary: [Int32: String] = [:]
    for id in ids where vocabulary[id] == nil { vocabulary[id] = tok.tokenText(id) }
    return .object(Excerpts(ids: ids, tokensPerExcerpt: t, vocabulary: vocabulary, origin: "corpus \(corpus.origin), seed \(seed)"))
  }

  /// Fisher-Yates with an explicit generator, so the order never depends on the Swift version.
  static func shuffle(_ a: inout [Int], seed: UInt64) {
    var g = SplitMix64(seed: seed)
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
      let j = Int(g.next() % UInt64(i + 1))
      a.swapAt(i, j)
    }
  }
}
