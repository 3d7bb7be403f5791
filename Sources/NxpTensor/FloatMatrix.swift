import Foundation

/// A row-major float32 matrix in 64-byte-aligned memory it owns. Meant to be reused across batches:
/// `reshape` keeps the allocation while it is big enough, so steady-state work allocates nothing.
public final class FloatMatrix: @unchecked Sendable {
  /// Number of rows.
  public private(set) var rows: Int
  /// Floats per row.
  public private(set) var columns: Int
  /// Floats allocated; at least `rows * columns`.
  public private(set) var capacity: Int
  /// The first element; row `r` starts at `pointer + r * columns`.
  public private(set) var pointer: UnsafeMutablePointer<Float>

  /// A `rows x columns` matrix filled with zeros.
  public init(rows: Int, columns: Int) {
    precondition(rows >= 0 && columns >= 0, "negative matrix size")
    self.rows = rows
    self.columns = columns
    capacity = max(1, rows * columns)
    pointer = FloatMatrix.allocate(capacity)
    pointer.initialize(repeating: 0, count: capacity)
  }

  /// A `rows x columns` matrix holding `values` (row-major).
  public convenience init(rows: Int, columns: Int, values: [Float]) {
    precondition(values.count == rows * columns, "value count does not match the shape")
    self.init(rows: rows, columns: columns)
    values.withUnsafeBufferPointer { if let b = $0.baseAddress { pointer.update(from: b, count: values.count) } }
  }

  deinit { UnsafeMutableRawPointer(pointer).deallocate() }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
  }

  /// Changes the shape. Contents are kept only while the allocation suffices; a grown matrix is
  /// zero-filled.
  public func reshape(rows: Int, columns: Int) {
    precondition(rows >= 0 && columns >= 0, "negative matrix size")
    let needed = rows * columns
    if needed > capacity {
      UnsafeMutableRawPointer(pointer).deallocate()
      capacity = needed
      pointer = FloatMatrix.allocate(capacity)
      pointer.initialize(repeating: 0, count: capacity)
    }
    self.rows = rows
    self.columns = columns
  }

  /// Elements in use: rows x columns.
  public var count: Int { rows * columns }

  /// The element at (`row`, `column`); unchecked in release builds.
  public subscript(row: Int, column: Int) -> Float {
    get { pointer[row * columns + column] }
    set { pointer[row * columns + column] = newValue }
  }

  /// Row `r` as a buffer view (valid while the matrix lives and is not reshaped).
  public func row(_ r: Int) -> UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: pointer + r * columns, count: columns)
  }

  /// A copy of the contents, row-major.
  public func toArray() -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

  /// Column `c` as an array.
  public func column(_ c: Int) -> [Float] { (0..<rows).map { pointer[$0 * columns + c] } }

  /// Sets every element in use to `value`.
  public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}
