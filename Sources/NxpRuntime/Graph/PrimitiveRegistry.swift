import Foundation

/// Every primitive of the language by name, and every value type the cache can read back.
public final class PrimitiveRegistry {
  public private(set) var all: [String: Primitive] = [:]
  /// Reads cached values back; knows every cacheable type by its tag.
  public let codec: ValueCodec
  /// `x[i]` on computed values lowers to this primitive.
  let index = IndexOp()

  public init(_ primitives: [Primitive], types: [any CacheCodable.Type]) {
    for p in primitives { all[p.name] = p }
    all[index.name] = index
    codec = ValueCodec(types: types)
  }

  /// The standard library: every built-in primitive and value type.
  public static let standard = PrimitiveRegistry(
    [
      CorpusOp(), SaveOp(), HeadOp(fromEnd: false), HeadOp(fromEnd: true), TableOp(), SortOp(), WhereOp(), SelectOp(),
      LoadOp(), TokensOp(), ActivationsOp(), ExcerptsOp(), RecordOp(), TopKOp(), NeuronsOp(), ReadOp(), NeuronRecordsOp(), LLMOp(),
      ExplainOp(), ExplanationOp(), SimulateOp(), ScoreOp(), JudgeOp(), RelatedOp(), AblateOp(), ViewOp(),
    ],
    types: [
      Table.self, Corpus.self, TensorValue.self, Excerpts.self, Records.self, NeuronSet.self, NeuronRecordValue.self, LLMValue.self,
      Explanations.self, Simulations.self, Scores.self, JudgeScores.self, Related.self, Ablations.self,
    ])

  /// This registry with more primitives and value types (a plug-in's, or a test's).
  public func adding(_ primitives: [Primitive], types: [any CacheCodable.Type] = []) -> PrimitiveRegistry {
    PrimitiveRegistry(Array(all.values.filter { $0.name != index.name }) + primitives, types: Array(codec.types.values) + types)
  }

  public func primitive(_ name: String) -> Primitive? { all[name] }
  public var names: Set<String> { Set(all.keys) }
}
