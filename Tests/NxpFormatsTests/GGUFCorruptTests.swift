import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpFormats

@Suite struct GGUFCorruptTests {
  static let alignmentKey = "general.alignment"

  /// The error each fault must produce, by case; `culprit` checks the name separately.
  static func matches(_ fault: GGUFFault, _ error: FormatError) -> Bool {
    switch (fault, error) {
    case (.badMagic, .badMagic(_, "\"GGUX\"")): return true
    case (.unsupportedVersion, .unsupportedVersion(_, 1)): return true
    case (.bigEndian, .unsupportedVersion(_, 0x0300_0000)): return error.description.contains("big-endian GGUF file (version 3)")
    case (.hugeTensorCount, .tooLarge("the tensor count", 1 << 40, 1 << 24)): return true
    case (.hugeKeyCount, .tooLarge("the metadata count", 1 << 40, 1 << 24)): return true
    // After the four real keys the padding reads as an empty key whose type is cut off.
    case (.missingKeys, .truncated("the value type of ''", _, 4, 2)): return true
    case (.hugeStringLength, .tooLarge("the length of the value of 'general.name'", 1 << 40, 1 << 26)): return true
    case (.hugeArrayCount, .tooLarge("array 'tokenizer.ggml.tokens'", 1 << 40, 1 << 24)): return true
    case (.arrayPastEnd, .truncated("the 100000 elements of 'tokenizer.ggml.tokens'", _, 800_000, _)): return true
    case (.unknownValueType, .badValueType("general.name", 13)): return true
    case (.unknownArrayElementType, .badValueType("tokenizer.ggml.tokens", 42)): return true
    case (.badBool, .badValue("general.name", "boolean byte is 2, not 0 or 1")): return true
    case (.arraysTooDeep, .badValue("tokenizer.ggml.tokens", "arrays nested deeper than 8")): return true
    case (.duplicateKey, .duplicateKey("general.name")): return true
    case (.invalidUTF8Key, .badUTF8("metadata key #4 ('g\u{FFFD}k')")): return true
    case (.badAlignment, .badAlignment(24)): return true
    case (.zeroAlignment, .wrongKeyType(alignmentKey, _)), (.negativeAlignment, .wrongKeyType(alignmentKey, _)),
      (.stringAlignment, .wrongKeyType(alignmentKey, _)):
      return true
    case (.duplicateTensor, .duplicateTensor("output.weight")): return true
    case (.invalidUTF8TensorName, .badUTF8("the name of tensor #2 ('bad\u{FFFD}name')")): return true
    case (.zeroDimCount, .badTensorShape("output.weight", "has 0 dimensions (1 to 4 allowed)")): return true
    case (.tooManyDims, .badTensorShape("output.weight", "has 5 dimensions (1 to 4 allowed)")): return true
    case (.zeroDim, .badTensorShape("output.weight", "dimension 1 is 0")): return true
    case (.hugeDims, .badTensorShape("output.weight", "element count overflows")): return true
    case (.unsupportedTensorType, .unsupportedTensorType("output.weight", 10)): return true
    case (.unknownTensorType, .unsupportedTensorType("output.weight", 99)): return true
    case (.notBlockMultiple, .badTensorShape("output.weight", "row length 33 is not a multiple of the Q8_0 block size 32")): return true
    case (.tensorOffsetMisaligned, .badTensorOffset("output.weight", "data offset 36 is not aligned to 32")): return true
    case (.tensorDataPastEnd, .badTensorOffset("output.weight", let d)): return d.contains("(data section offset 1048576 + section start")
    case (.overlappingTensors, .badTensorOffset("output.weight", let d)): return d.contains("overlaps tensor 'token_embd.weight'")
    case (.truncatedData, .badTensorOffset("output.weight", let d)): return d.contains("(data section offset 32 + section start")
    default: return false
    }
  }

  @Test func validBaseOpens() throws {
    let f = try GGUFFile(file: MappedFile(copying: GGUFFault.valid()))
    #expect(f.metadataKeys == ["general.architecture", "general.name", "llama.block_count", "tokenizer.ggml.tokens"])
    #expect(f.tensors.map(\.name) == ["token_embd.weight", "output.weight"])
  }

  @Test(arguments: GGUFFault.allCases)
  func faultGivesItsTypedError(_ fault: GGUFFault) throws {
    do {
      _ = try GGUFFile(file: MappedFile(copying: fault.apply(), path: "\(fault).gguf"))
      Issue.record("\(fault): opened without error")
    } catch let e as FormatError {
      #expect(Self.matches(fault, e), "\(fault): got \(e)")
      if let name = fault.culprit { #expect(e.description.contains("'\(name)'"), "\(e)") }
    }
  }

  /// A file one byte short: the message's end offset and file size count from the same origin,
  /// so the end is exactly one past the size.
  @Test func oneByteShortQuotesOffsetsFromTheStartOfTheFile() throws {
    let valid = GGUFFault.valid()
    let full = try GGUFFile(file: MappedFile(copying: valid))
    let last = try #require(full.tensors.max { $0.fileOffset + $0.byteCount < $1.fileOffset + $1.byteCount })
    #expect(last.fileOffset + last.byteCount == valid.count)
    do {
      _ = try GGUFFile(file: MappedFile(copying: valid.prefix(valid.count - 1)))
      Issue.record("a truncated file opened")
    } catch let e as FormatError {
      let d = "\(e)"
      #expect(d.contains("from file offset \(last.fileOffset) to \(valid.count)"), "\(d)")
      #expect(d.contains("past the end of the file at \(valid.count - 1) bytes"), "\(d)")
      #expect(d.contains("section start \(full.dataOffset)"), "\(d)")
    }
  }

  @Test func everyTruncationIsAnError() throws {
    let valid = GGUFFault.valid()
    var failures: [Int] = []
    for n in 0..<valid.count {
      do {
        _ = try GGUFFile(file: MappedFile(copying: valid.prefix(n)))
        failures.append(n)
      } catch is FormatError {
      } catch {
        failures.append(n)
      }
    }
    #expect(failures.isEmpty, "prefixes that did not give a FormatError: \(failures)")
  }

  /// Seeded byte flips of a valid file: every outcome is a parse or a FormatError, and a parse
  /// only exposes tensor bytes inside the file.
  @Test func byteFlipFuzz() throws {
    let valid = [UInt8](GGUFFault.valid())
    var rng = SplitMix64(seed: 11)
    var parsed = 0, rejected = 0
    for i in 0..<5000 {
      var bytes = valid
      for _ in 0..<(1 + Int(rng.next() % 3)) {
        let at = Int(rng.next() % UInt64(bytes.count))
        bytes[at] = rng.next() % 2 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : bytes[at] ^ (1 << UInt8(rng.next() % 8))
      }
      do {
        let f = try GGUFFile(file: MappedFile(copying: Data(bytes), path: "fuzz-\(i)"))
        for t in f.tensors {
          #expect(t.fileOffset >= f.dataOffset && t.fileOffset + t.byteCount <= bytes.count, "iteration \(i): \(t.name)")
          _ = f.bytes(of: t)
        }
        for v in f.metadata.values { _ = v.summary }
        parsed += 1
      } catch is FormatError {
        rejected += 1
      } catch {
        Issue.record("iteration \(i): unexpected error \(error)")
      }
    }
    #expect(parsed + rejected == 5000)
    #expect(parsed > 0 && rejected > 0)
  }
}
