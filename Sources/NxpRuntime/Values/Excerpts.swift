import Foundation
import NxpCore
import NxpInterp

/// Fixed-length token windows cut from a corpus: what `record` runs the model on.
public final class Excerpts: RuntimeObject {
  /// Flat [count, tokensPerExcerpt] token ids.
  public let ids: [Int32]
  public let tokensPerExcerpt: Int
  /// Display text of every token id that occurs, so the excerpts print without the model.
  public let vocabulary: [Int32: String]
  /// What they were cut from, for summaries (`corpus fortunes, seed 0`).
  public let origin: String

  public init(ids: [Int32], tokensPerExcerpt: Int, vocabulary: [Int32: String], origin: String) {
    self.ids = ids
    self.tokensPerExcerpt = tokensPerExcerpt
    self.vocabulary = vocabulary
    self.origin = origin
  }

  public var count: Int { tokensPerExcerpt > 0 ? ids.count / tokensPerExcerpt : 0 }
  public static let typeName = "Excerpts"
  public var summary: String { "Excerpts: \(count) x \(tokensPerExcerpt) tokens from \(origin)" }

  public func tokenText(_ id: Int32) -> String { vocabulary[id] ?? "<\(id)>" }

  public func tokens(ofExcerpt e: Int) -> [String] {
    ids[(e * tokensPerExcerpt)..<((e + 1) * tokensPerExcerpt)].map(tokenText)
  }

  /// For records and neuron sets to turn excerpt indices into token text.
  public var excerptTokens: ExcerptTokens {
    let vocab = vocabulary
    return ExcerptTokens(ids: ids, tokensPerExcerpt: tokensPerExcerpt, text: { vocab[$0] ?? "<\($0)>" })
  }

  public func render(_ style: RenderStyle) -> String {
    summary + "\n" + previewLines(count: count, noun: "excerpt", style: style) { tokens(ofExcerpt: $0).joined() }
  }
}

extension Excerpts: Sliceable, Tabular, PositionIndexable {
  public static let itemType = ValueType.excerpts
  public static let itemNoun = "excerpt"
  public var itemCount: Int { count }
  public func item(at index: Int) throws -> Value { .object(slice(index..<(index + 1))) }
  public func slice(_ range: Range<Int>) -> RuntimeObject {
    let t = tokensPerExcerpt
    let sub = Array(ids[(range.lowerBound * t)..<(range.upperBound * t)])
    let used = Set(sub)
    return Excerpts(ids: sub, tokensPerExcerpt: t, vocabulary: vocabulary.filter { used.contains($0.key) }, origin: origin)
  }

  public func asTable() -> Table {
    Table(
      columns: [.init("excerpt", .int), .init("text", .string)],
      rows: (0..<count).map { [.int($0), .string(tokens(ofExcerpt: $0).joined())] })
  }
}

extension Excerpts: CacheCodable {
  public static let typeTag = "excerpts"

  public func encode() throws -> [String: Data] {
    let (arrays, metadata) = try flattened(prefix: "")
    return ["value.safetensors": try SafeTensorsArrays.encode(arrays, metadata: metadata)]
  }

  public static func decode(_ files: [String: String]) throws -> Excerpts {
    guard let path = files["value.safetensors"] else { throw UserError("cached excerpts are missing their file") }
    let (arrays, metadata) = try SafeTensorsArrays.decode(path: path)
    return try decode(arrays: arrays, metadata: metadata, prefix: "")
  }

  /// Reads excerpts stored under `prefix` (records and neuron sets embed theirs).
  static func decode(arrays: [String: RecordArray], metadata: [String: String], prefix: String) throws -> Excerpts {
    guard let a = arrays[prefix + "ids"], let ids = a.int32s, a.shape.count == 2,
      let vocabText = metadata[prefix + "vocabulary"],
      let vocab = try JSONSerialization.jsonObject(with: Data(vocabText.utf8)) as? [String: String]
    else { throw UserError("cached excerpts are damaged") }
    var vocabulary: [Int32: String] = [:]
    for (k, v) in vocab { if let id = Int32(k) { vocabulary[id] = v } }
    return Excerpts(ids: ids, tokensPerExcerpt: a.shape[1], vocabulary: vocabulary, origin: metadata[prefix + "origin"] ?? "?")
  }

  /// This value's arrays and metadata under `prefix`, for embedding.
  func flattened(prefix: String) throws -> ([String: RecordArray], [String: String]) {
    let vocab = Dictionary(uniqueKeysWithValues: vocabulary.map { (String($0.key), $0.value) })
    return (
      [prefix + "ids": RecordArray(shape: [count, tokensPerExcerpt], .int32(ids))],
      [prefix + "origin": origin, prefix + "vocabulary": try jsonString(vocab)]
    )
  }
}
