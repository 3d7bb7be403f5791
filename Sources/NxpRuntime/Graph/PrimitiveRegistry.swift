import Foundation

/// Every primitive of the language, by name.
public final class PrimitiveRegistry {
  public private(set) var all: [String: Primitive] = [:]
  /// `x[i]` on computed values lowers to this primitive.
  let index = IndexOp()

  public init(_ primitives: [Primitive]) {
    for p in primitives { all[p.name] = p }
    all[index.name] = index
  }

  /// The standard library: every built-in primitive.
  public static let standard = PrimitiveRegistry([
    CorpusOp(), SaveOp(), HeadOp(fromEnd: false), HeadOp(fromEnd: true), TableOp(), SortOp(), WhereOp(), SelectOp(),
    LoadOp(), TokensOp(), ActivationsOp(), ExcerptsOp(), RecordOp(), TopKOp(), NeuronsOp(),
  ])

  public func primitive(_ name: String) -> Primitive? { all[name] }
  public var names: Set<String> { Set(all.keys) }
}
