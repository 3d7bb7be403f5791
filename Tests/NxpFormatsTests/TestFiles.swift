import Foundation
import NxpTestSupport

/// A temporary folder removed when the value goes away.
final class TempDir {
  let path: String

  init(_ label: String = "nxp-formats") throws {
    path = try TestEnvironment.temporaryDirectory(label)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `data` to `name` inside the folder and returns its path.
  @discardableResult
  func write(_ data: Data, _ name: String) throws -> String {
    let p = path + "/" + name
    try data.write(to: URL(fileURLWithPath: p))
    return p
  }
}

/// Hex string of some bytes, lowercase, as Python's `bytes.hex()` prints them.
func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
  bytes.map { String(format: "%02x", $0) }.joined()
}

/// Bytes from a hex string (test fixtures only; invalid digits give 0).
func bytes(hex: String) -> [UInt8] {
  let chars = Array(hex.utf8)
  return stride(from: 0, to: chars.count - 1, by: 2).map { i in
    UInt8(String(decoding: chars[i...i + 1], as: UTF8.self), radix: 16) ?? 0
  }
}

/// Little-endian bytes of integers or bit patterns.
func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}
