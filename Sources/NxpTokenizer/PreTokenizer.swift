// A pre-tokenizer cuts text into the pieces BPE encodes one at a time. It is a list of steps,
// each applied to every piece the previous step produced, as HF's `Sequence` pre-tokenizer does.

/// The pre-tokenization of a byte-level BPE tokenizer.
struct PreTokenizer: Sendable, Equatable {
  enum Step: Sendable, Equatable {
    /// HF `Digits`: numbers cut out one by one (`individual`) or as runs.
    case digits(individual: Bool)
    /// HF `ByteLevel(add_prefix_space: true)`: a space prepended to pieces not starting with one.
    case prefixSpace
    /// HF `Split(Isolated)` or `ByteLevel(use_regex: true)` with one of the known patterns.
    case pattern(SplitPattern)
  }

  var steps: [Step]
  /// Pattern steps work on long text in chunks of about this many bytes (see `chunkEnd`).
  var chunkBytes = 1 << 16

  init(steps: [Step], chunkBytes: Int = 1 << 16) {
    self.steps = steps
    self.chunkBytes = chunkBytes
  }

  // MARK: - GGUF names

  /// What a GGUF `tokenizer.ggml.pre` name implies, following llama.cpp's table.
  struct GGUFConfiguration: Sendable {
    var preTokenizer: PreTokenizer
    /// Normalization the original HF tokenizer applies (Qwen2's NFC).
    var normalizer: Normalizer?
    /// Whole pieces found in the vocabulary skip merging (Llama 3).
    var ignoreMerges: Bool
    /// Whether BOS is added when the file has no `tokenizer.ggml.add_bos_token`.
    var defaultAddBOS: Bool
  }

  /// The GGUF pre-tokenizer names understood, by family.
  static let ggufFamilies: [(names: [String], configuration: GGUFConfiguration)] = [
    (
      ["gpt2", "gpt-2", "phi-2", "mpt", "olmo", "jais"],
      GGUFConfiguration(preTokenizer: PreTokenizer(steps: [.pattern(.gpt2)]), normalizer: nil, ignoreMerges: false, defaultAddBOS: false)
    ),
    (
      ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"],
      GGUFConfiguration(
        preTokenizer: PreTokenizer(steps: [.digits(individual: true), .pattern(.gpt2)]), normalizer: nil,
        ignoreMerges: false, defaultAddBOS: false)
    ),
    (
      ["llama-bpe", "llama3", "llama-v3", "falcon3"],
      GGUFConfiguration(preTokenizer: PreTokenizer(steps: [.pattern(.llama3)]), normalizer: nil, ignoreMerges: true, defaultAddBOS: true)
    ),
    (
      ["dbrx", "smaug-bpe"],
      GGUFConfiguration(preTokenizer: PreTokenizer(steps: [.pattern(.llama3)]), normalizer: nil, ignoreMerges: false, defaultAddBOS: false)
    ),
    (
      ["qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"],
      GGUFConfiguration(preTokenizer: PreTokenizer(steps: [.pattern(.qwen2)]), normalizer: .nfc, ignoreMerges: false, defaultAddBOS: false)
    ),
  ]

  static let supportedGGUFNames: [String] = ggufFamilies.flatMap(\.names)

  static func gguf(_ name: String) throws -> GGUFConfiguration {
    guard let family = ggufFamilies.first(where: { $0.names.contains(name) }) else {
      throw TokenizerError.unsupportedPreTokenizer(name)
    }
    return family.configuration
  }

  // MARK: - Splitting

  /// Decoding buffers, one per step so nested steps do not share one.
  final class Scratch {
    var texts: [ScalarText]
    init(steps: Int) { texts = (0..<max(steps, 1)).map { _ in ScalarText() } }
  }

  func makeScratch() -> Scratch { Scratch(steps: steps.count) }

  /// Calls `emit` with each piece of `bytes` (valid UTF-8), in order.
  func split(
    _ bytes: UnsafeBufferPointer<UInt8>, scratch: Scratch, emit: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    guard !bytes.isEmpty else { return }
    apply(step: 0, bytes, scratch, emit)
  }

  private func apply(
    step k: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ scratch: Scratch,
    _ emit: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    guard k < steps.count else { return emit(bytes) }
    switch steps[k] {
    case .prefixSpace:
      if bytes.first == 0x20 { return apply(step: k + 1, bytes, scratch, emit) }
      let spaced = [0x20] + Array(bytes)
      spaced.withUnsafeBufferPointer { apply(step: k + 1, $0, scratch, emit) }

    case .digits(let individual):
      // A streaming scan: only the number class is needed, so nothing is stored.
      let table = CharacterClass.bmpTable
      var start = 0
      var i = 0
      var previousIsNumber = false
      while i < bytes.count {
        let (v, length) = bytes[i] < 0x80 ? (UInt32(bytes[i]), 1) : ScalarText.decode(bytes, at: i)
        let c = v < 0x10000 ? table[Int(v)] : CharacterClass.of(v)
        let isNumber = c & CharacterClass.number != 0
        if i > start, isNumber != previousIsNumber || (isNumber && individual) {
          apply(step: k + 1, slice(bytes, start, i), scratch, emit)
          start = i
        }
        previousIsNumber = isNumber
        i += length
      }
      if start < bytes.count { apply(step: k + 1, slice(bytes, start, bytes.count), scratch, emit) }

    case .pattern(let pattern):
      let text = scratch.texts[k]
      var chunkStart = 0
      while chunkStart < bytes.count {
        let chunk = slice(bytes, chunkStart, chunkEnd(bytes, from: chunkStart))
        text.load(chunk)
        var start = 0
        while start < text.count {
          let end = pattern.match(text, at: start)
          apply(step: k + 1, slice(chunk, text.offsets[start], text.offsets[end]), scratch, emit)
          start = end
        }
        chunkStart += chunk.count
      }
    }
  }

  /// Where to end the chunk starting at `from`: the whole rest when short, else the first
  /// ASCII `letter space letter` after `chunkBytes`, cut before the space. Every pattern ends a
  /// match there (no match runs from a letter into a space) and starts the next match at the
  /// space the same way with or without the text before it, so splitting there changes nothing
  /// while keeping the decode buffers small. Text without such a place is taken whole.
  private func chunkEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
    let n = bytes.count
    guard n - from > chunkBytes else { return n }
    func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    var p = from + chunkBytes
    while p + 1 < n {
      if bytes[p] == 0x20, isLetter(bytes[p - 1]), isLetter(bytes[p + 1]) { return p }
      p += 1
    }
    return n
  }

  /// The pieces of `text`, for inspection and tests.
  func pieces(of text: String) -> [String] {
    var out: [String] = []
    let scratch = makeScratch()
    Array(text.utf8).withUnsafeBufferPointer { all in
      split(all, scratch: scratch) { out.append(String(decoding: $0, as: UTF8.self)) }
    }
    return out
  }

  private func slice(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: bytes[from..<to])
  }
}
