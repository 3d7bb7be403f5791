import Foundation
import NxpCore
import NxpTestSupport
import Testing

@testable import NxpFormats

/// The default model parses completely and agrees with the `gguf` package on every key, value
/// and tensor.
@Suite struct GGUFRealModelTests {
  @Test func defaultModelMatchesReference() throws {
    let path = try TestEnvironment.defaultModelPath()
    let f = try GGUFFile(path: path)
    let dump = try GGUFDump.of(path)

    #expect(f.version == 3 && dump.version == 3)
    #expect(f.alignment == dump.alignment)
    #expect(f.dataOffset == dump.data_offset)

    #expect(f.metadataKeys.count == 33)
    #expect(f.metadataKeys == dump.fields.map(\.key))
    var wrong: [String] = []
    for field in dump.fields where f.metadata[field.key]?.reference != field.value { wrong.append(field.key) }
    #expect(wrong.isEmpty, "values that differ: \(wrong)")

    // Spot checks that pin the typed accessors to known values.
    #expect(try f.string("general.architecture") == "llama")
    #expect(try f.int("llama.block_count") == 30)
    #expect(try f.int("llama.embedding_length") == 576)
    #expect(try f.strings("tokenizer.ggml.tokens").count == 49152)
    #expect(try f.strings("tokenizer.ggml.merges").count == 48900)
    #expect(try f.ints("tokenizer.ggml.token_type").count == 49152)
    #expect(try f.double("llama.attention.layer_norm_rms_epsilon") == Double(Float(1e-5)))

    #expect(f.tensors.count == 272)
    #expect(f.tensors.map(\.name) == dump.tensors.map(\.name))
    var mismatched: [String] = []
    for (t, py) in zip(f.tensors, dump.tensors) {
      if t.type.rawValue != py.type || t.dims != py.dims || t.fileOffset != py.offset || t.byteCount != py.n_bytes
        || ContentHash.hex(f.bytes(of: t)) != py.sha256
      {
        mismatched.append(t.name)
      }
    }
    #expect(mismatched.isEmpty, "tensors that differ: \(mismatched)")
    #expect(try f.tensor("token_embd.weight").shape == [49152, 576])
    #expect(Set(f.tensors.map(\.type)) == [.f32, .q4_1, .q8_0])
    let end = f.tensors.map { $0.fileOffset + $0.byteCount }.max() ?? 0
    #expect(end <= f.file.size && f.file.size - end < f.alignment)
  }
}
