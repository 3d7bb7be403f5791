import Foundation
import NxpInterp
import Testing

@testable import NxpRuntime

/// A value loaded from the cache is bit for bit the value that was computed, so it prints and
/// saves identically.
@Suite struct CacheRoundTripTests {
  /// Doubles whose shortest text JSONSerialization reads back wrong, and the edge cases.
  static let floats: [Double] = [
    0.7127640843391418, -0.004505269142842993, -3.8612946108524557, Double(Float(0.1)), 67.34261237273202, 1e-300,
    .leastNonzeroMagnitude, 1.7976931348623157e308, -0.0, 0, 3, .infinity, -.infinity, .nan,
  ]

  static func written(_ files: [String: Data]) throws -> (dir: String, paths: [String: String]) {
    let dir = NSTemporaryDirectory() + "/nxp-roundtrip-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var paths: [String: String] = [:]
    for (name, data) in files {
      try data.write(to: URL(fileURLWithPath: dir + "/" + name))
      paths[name] = dir + "/" + name
    }
    return (dir, paths)
  }

  @Test func tablesRoundTripExactly() throws {
    let rows: [[Value]] = Self.floats.enumerated().map { i, f in
      [.float(f), .int(i == 0 ? Int(Int64.max) : -i), .string("row \(i)"), .bool(i % 2 == 0), .neuron(NeuronID(layer: 6, index: i))]
    }
    let table = Table(
      columns: [.init("x", .float), .init("n", .int), .init("s", .string), .init("b", .bool), .init("id", .neuron)],
      rows: rows)
    let (dir, paths) = try Self.written(try table.encode())
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let loaded = try Table.decode(paths)
    for (a, b) in zip(table.rows, loaded.rows) {
      guard case .float(let x) = a[0], case .float(let y) = b[0] else {
        Issue.record("not floats: \(a[0]) \(b[0])")
        continue
      }
      #expect(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN), "\(x) read back as \(y)")
      #expect(a[1...].map(\.description) == b[1...].map(\.description))
    }
    #expect(loaded.csv() == table.csv())
    #expect(try loaded.encode() == table.encode())
  }

  @Test func plainFloatsRoundTripExactly() throws {
    for f in Self.floats {
      let (tag, files) = try ValueCodec.encode(.float(f))
      let (dir, paths) = try Self.written(files)
      defer { try? FileManager.default.removeItem(atPath: dir) }
      guard case .float(let g) = try PrimitiveRegistry.standard.codec.decode(tag: tag, files: paths) else {
        Issue.record("\(f) did not read back as a float")
        continue
      }
      #expect(f.bitPattern == g.bitPattern || (f.isNaN && g.isNaN), "\(f) read back as \(g)")
    }
  }
}
