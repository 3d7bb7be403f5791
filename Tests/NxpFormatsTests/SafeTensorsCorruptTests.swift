import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpFormats

@Suite struct SafeTensorsCorruptTests {
  /// The error each fault must produce, by case; `culprit` checks the name separately.
  static func matches(_ fault: SafeTensorsFault, _ error: SafeTensorsError) -> Bool {
    switch (fault, error) {
    case (.fileTooSmall, .headerTooSmall(_, 3)): return true
    case (.headerLengthPastEnd, .headerPastEnd): return true
    case (.headerTooLarge, .headerTooLarge(_, 100_000_001, 100_000_000)): return true
    case (.headerNotUTF8, .headerNotUTF8): return true
    case (.headerNotJSON, .headerNotJSON(_, let d)): return d.hasPrefix("expected ':' at byte")
    case (.headerNotObject, .headerNotObject(_, "an array")): return true
    case (.badMetadataValue, .badMetadata(_, "format", "value is a number, not a string")): return true
    case (.entryNotObject, .badTensorEntry(_, "weight", "entry is an array, not an object")): return true
    case (.missingDtype, .badTensorEntry(_, "weight", "missing field 'dtype'")): return true
    case (.badDtype, .unknownDtype(_, "weight", "F31")): return true
    case (.negativeDimension, .badShape(_, "weight", "dimension 0 is negative (-2)")): return true
    case (.shapeOverflow, .badShape(_, "weight", let d)): return d.contains("overflows")
    case (.shapeOffsetMismatch, .sizeMismatch(_, "weight", 16, 24)): return true
    case (.overlappingOffsets, .badOffsets(_, "bias", let d)): return d.contains("overlaps tensor 'weight'")
    case (.gappedOffsets, .badOffsets(_, "bias", let d)): return d.contains("a gap of 4 bytes")
    case (.reversedOffsets, .badOffsets(_, "weight", let d)): return d.contains("end before they begin")
    case (.negativeOffset, .badOffsets(_, "weight", "data_offsets begin is negative (-8)")): return true
    case (.hugeOffset, .badOffsets(_, "weight", let d)): return d.contains("is too large")
    case (.fractionalOffset, .badOffsets(_, "weight", "data_offsets end is not an integer (24.0)")): return true
    case (.duplicateTensor, .duplicateTensor(_, "bias")): return true
    case (.trailingBytes, .dataLengthMismatch(_, "bias", 36, 40)): return true
    case (.truncatedData, .dataLengthMismatch(_, "bias", 36, 33)): return true
    default: return false
    }
  }

  @Test(arguments: SafeTensorsFault.allCases)
  func faultGivesItsTypedError(_ fault: SafeTensorsFault) throws {
    let dir = try TempDir()
    let path = try dir.write(fault.apply(), "\(fault).safetensors")
    do {
      _ = try SafeTensorsFile(path: path)
      Issue.record("\(fault): opened without error")
    } catch let e as SafeTensorsError {
      #expect(Self.matches(fault, e), "\(fault): got \(e)")
      #expect(e.description.contains(path), "\(e)")
      if let name = fault.culprit { #expect(e.description.contains("'\(name)'"), "\(e)") }
    }
  }

  @Test func validBaseOpens() throws {
    let dir = try TempDir()
    let f = try SafeTensorsFile(path: dir.write(SafeTensorsFault.valid(), "ok.safetensors"))
    #expect(f.names == ["bias", "weight"])
    #expect(try f.floats("bias") == [6, 7, 8])
  }

  /// The reference loader rejects the same files (the duplicate name, which it silently
  /// collapses, fails there on the gap the dropped entry leaves).
  @Test func referenceRejectsEveryFault() throws {
    let dir = try TempDir()
    var paths = [try dir.write(SafeTensorsFault.valid(), "valid.safetensors")]
    for fault in SafeTensorsFault.allCases { paths.append(try dir.write(fault.apply(), "\(fault).safetensors")) }
    struct Verdict: Decodable { var path: String; var ok: Bool; var error: String? }
    let verdicts = try JSONDecoder().decode([Verdict].self, from: PythonReference.run("safetensors_reference.py", ["validate"] + paths))
    #expect(verdicts.count == paths.count)
    #expect(verdicts.first?.ok == true)
    for v in verdicts.dropFirst() { #expect(!v.ok, "reference accepted \(v.path)") }
  }

  @Test func everyTruncationIsAnError() throws {
    let valid = SafeTensorsFault.valid()
    for n in 0..<valid.count {
      #expect(throws: SafeTensorsError.self, "prefix \(n)") { try SafeTensorsFile(file: MappedFile(copying: valid.prefix(n))) }
    }
  }

  @Test func deeplyNestedHeaderIsRejectedNotRecursed() throws {
    let dir = try TempDir()
    let header = #"{"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
    let path = try dir.write(SafeTensorsBytes.make(header: header, data: []), "deep.safetensors")
    #expect(throws: SafeTensorsError.headerNotJSON(path: path, detail: "nesting deeper than 64 at byte 68")) {
      try SafeTensorsFile(path: path)
    }
  }

  /// Seeded byte flips of a valid file: every outcome is a parse or a SafeTensorsError.
  @Test func byteFlipFuzz() throws {
    let valid = [UInt8](SafeTensorsFault.valid())
    var rng = SplitMix64(seed: 7)
    var parsed = 0, rejected = 0
    for i in 0..<5000 {
      var bytes = valid
      for _ in 0..<(1 + Int(rng.next() % 3)) {
        let at = Int(rng.next() % UInt64(bytes.count))
        bytes[at] = rng.next() % 2 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : bytes[at] ^ (1 << UInt8(rng.next() % 8))
      }
      do {
        let f = try SafeTensorsFile(file: MappedFile(copying: Data(bytes), path: "fuzz-\(i)"))
        for name in f.names { _ = try? f.floats(name) }
        parsed += 1
      } catch is SafeTensorsError {
        rejected += 1
      } catch {
        Issue.record("iteration \(i): unexpected error \(error)")
      }
    }
    #expect(parsed + rejected == 5000)
    #expect(parsed > 0 && rejected > 0)
  }
}
