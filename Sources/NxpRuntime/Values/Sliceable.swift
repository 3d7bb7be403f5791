/// Values that are sequences of items (rows, documents, excerpts, neurons), so `head` and
/// `tail` work on all of them.
public protocol Sliceable: RuntimeObject {
  var itemCount: Int { get }
  func slice(_ range: Range<Int>) -> RuntimeObject
}

/// Values that can be turned into a table (`table(x)`), so `sort`, `where` and `select` apply.
public protocol Tabular: RuntimeObject {
  func asTable() -> Table
}

extension Table: Sliceable, Tabular {
  public var itemCount: Int { rows.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject { with(rows: Array(rows[range])) }
  public func asTable() -> Table { self }
}

extension Corpus: Sliceable, Tabular {
  public var itemCount: Int { documents.count }
  public func slice(_ range: Range<Int>) -> RuntimeObject {
    Corpus(documents: Array(documents[range]), origin: origin)
  }
  public func asTable() -> Table {
    Table(
      columns: [.init("document", .int), .init("bytes", .int), .init("text", .string)],
      rows: documents.enumerated().map { [.int($0.offset), .int($0.element.utf8.count), .string($0.element)] })
  }
}
