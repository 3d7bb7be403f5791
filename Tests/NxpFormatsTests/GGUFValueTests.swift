import Foundation
import Testing

@testable import NxpFormats

@Suite struct GGUFValueTests {
  @Test func summariesShowFullIntegersAndAbbreviateArrays() {
    #expect(GGUFValue.uint64(UInt64.max).summary == "18446744073709551615")
    #expect(GGUFValue.int64(-5).summary == "-5")
    #expect(GGUFValue.array((1...6).map { .uint8($0) }).summary == "[1, 2, 3, 4, ... (6 items)]")
    #expect(GGUFValue.array([.string("a")]).summary == "[\"a\"]")
  }

  @Test func errorMessagesNameTheKey() {
    #expect(FormatError.badAlignment(24).description == "metadata key 'general.alignment' is 24; it must be a power of two")
    #expect(
      FormatError.badValue(key: "k", detail: "boolean byte is 2, not 0 or 1").description
        == "metadata key 'k': boolean byte is 2, not 0 or 1")
    #expect(
      FormatError.unsupportedVersion(path: "m.gguf", version: 1).description == "'m.gguf' is GGUF version 1; nxp reads versions 2 and 3")
  }

  @Test func alignmentMustBeAnIntegerPowerOfTwo() throws {
    #expect(try GGUFFile.alignment(nil) == 32)
    #expect(try GGUFFile.alignment(.uint64(64)) == 64)
    #expect(try GGUFFile.alignment(.int32(1)) == 1)
    #expect(throws: FormatError.badAlignment(48)) { try GGUFFile.alignment(.uint32(48)) }
    #expect(throws: FormatError.wrongKeyType(key: "general.alignment", expected: "an integer power of two")) {
      try GGUFFile.alignment(.bool(true))
    }
    #expect(throws: FormatError.wrongKeyType(key: "general.alignment", expected: "an integer power of two")) {
      try GGUFFile.alignment(.uint64(UInt64.max))
    }
    #expect(throws: FormatError.wrongKeyType(key: "general.alignment", expected: "an integer power of two from 1 to 2^31")) {
      try GGUFFile.alignment(.int64(-64))
    }
    #expect(throws: FormatError.wrongKeyType(key: "general.alignment", expected: "an integer power of two from 1 to 2^31")) {
      try GGUFFile.alignment(.uint64(1 << 32))
    }
  }
}
