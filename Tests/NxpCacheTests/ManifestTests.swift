import Foundation
import NxpCore
import Testing

@testable import NxpCache

@Suite struct ManifestTests {
  @Test func canonicalParametersBecomeManifestValues() {
    let canonical = CanonicalValue.record([
      "k": .int(10), "t": .float(0.5), "limit": .float(.infinity),
      "flags": .list([.bool(true), .null, .string("s")]),
    ])
    #expect(
      ManifestValue(canonical)
        == .object([
          "k": .int(10), "t": .double(0.5), "limit": .string("inf"),
          "flags": .array([.bool(true), .null, .string("s")]),
        ]))
  }

  @Test func jsonRoundTripKeepsEachKind() throws {
    let value = ManifestValue.array([
      .int(1), .double(1.5), .bool(true), .bool(false), .string("1"), .null, .array([]), .object(["a": .int(-3)]),
      .int(Int64.max),
    ])
    let data = try JSONEncoder().encode(value)
    #expect(String(decoding: data, as: UTF8.self) == #"[1,1.5,true,false,"1",null,[],{"a":-3},9223372036854775807]"#)
    #expect(try JSONDecoder().decode(ManifestValue.self, from: data) == value)
    // JSON has one number type: an integral float reads back as an int.
    #expect(
      try JSONDecoder().decode(ManifestValue.self, from: JSONEncoder().encode(ManifestValue.double(2))) == .int(2))
  }
}
