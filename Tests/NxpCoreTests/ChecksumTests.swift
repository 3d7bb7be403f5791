import Foundation
import Testing

@testable import NxpCore

@Suite struct ChecksumTests {
  /// Values from the reference implementation (Python `xxhash.xxh64(...).intdigest()`).
  static let kilobyte = Data((0..<4).flatMap { _ in (0..<256).map { UInt8($0) } } + Array("xyz".utf8))

  @Test func matchesTheReferenceImplementation() {
    #expect(XXH64.hash(Data()) == 0xEF46_DB37_51D8_E999)
    #expect(XXH64.hash(Data("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
    #expect(XXH64.hash(Data("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    #expect(XXH64.hash(Data("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    #expect(XXH64.hash(Self.kilobyte) == 0xE146_CB31_B65B_C21A)
    #expect(XXH64.hash(Data(), seed: 0x9E37_79B9_7F4A_7C15) == 0xC434_9FC9_3C01_0000)
    #expect(XXH64.hash(Self.kilobyte, seed: 0x9E37_79B9_7F4A_7C15) == 0x86B7_211D_04E9_3C1F)
  }

  @Test func streamingInAnyPiecesEqualsOneCall() {
    let whole = XXH64.hash(Self.kilobyte)
    for piece in [1, 3, 7, 8, 31, 32, 33, 100, 1027] {
      var h = XXH64()
      var i = 0
      while i < Self.kilobyte.count {
        h.update(Self.kilobyte[i..<min(i + piece, Self.kilobyte.count)])
        i += piece
      }
      #expect(h.digest() == whole, "pieces of \(piece)")
    }
  }

  @Test func fileChecksumIsHexOfTheContents() throws {
    let path = NSTemporaryDirectory() + "/nxp-xxh64-\(getpid())"
    defer { unlink(path) }
    // Over 1 MiB so the file is read in more than one piece.
    var data = Data(count: (1 << 20) + 77)
    for i in stride(from: 0, to: data.count, by: 997) { data[i] = UInt8(i % 251) }
    try data.write(to: URL(fileURLWithPath: path))
    #expect(try XXH64.hexOfFile(atPath: path) == XXH64.hex(XXH64.hash(data)))
    #expect(XXH64.hex(0xAB) == "00000000000000ab")
    data[12345] ^= 1
    #expect(try XXH64.hexOfFile(atPath: path) != XXH64.hex(XXH64.hash(data)))
  }
}
