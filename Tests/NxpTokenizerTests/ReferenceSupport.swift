import Foundation
import NxpCore
import NxpFormats
import NxpTestSupport

@testable import NxpTokenizer

// MARK: - Reference runs

/// What `tokenizer_reference.py` prints for a list of texts.
struct ReferenceOutput: Decodable {
  var vocab_size: Int
  var ids: [[Int32]]
  var plain_ids: [[Int32]]
  var with_special_tokens: [[Int32]]
  var pieces: [[String]]
  var decoded: [String]
}

/// One run of the Python reference: its output, the tokenizer.json it saved and, for the
/// `gguf-synthetic` mode, the tokenizer read from the GGUF file it wrote.
struct ReferenceRun {
  var texts: [String]
  var output: ReferenceOutput
  var tokenizerJSON: Data
  var ggufTokenizer: BPETokenizer?

  /// Runs `tokenizer_reference.py <mode> <argument> <saved json> [<saved gguf>]` on `texts`.
  static func run(_ mode: String, _ argument: String, texts: [String]) throws -> ReferenceRun {
    let dir = try TestEnvironment.temporaryDirectory("nxp-tokenizer")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let savedJSON = dir + "/tokenizer.json"
    let savedGGUF = dir + "/tokenizer.gguf"
    let writesGGUF = mode == "gguf-synthetic"
    let input = try JSONEncoder().encode(["texts": texts])
    let stdout = try PythonReference.run(
      "tokenizer_reference.py", [mode, argument, savedJSON] + (writesGGUF ? [savedGGUF] : []), stdin: input)
    let output = try JSONDecoder().decode(ReferenceOutput.self, from: stdout)
    return ReferenceRun(
      texts: texts, output: output, tokenizerJSON: try Data(contentsOf: URL(fileURLWithPath: savedJSON)),
      ggufTokenizer: writesGGUF ? try BPETokenizer(gguf: GGUFFile(path: savedGGUF)) : nil)
  }
}

/// Reference runs shared by the tests (each Python run happens once per test process).
enum References {
  static let texts = TestTexts.all

  static let smolLM2: Result<ReferenceRun, Error> = Result {
    try ReferenceRun.run("gguf", TestEnvironment.defaultModelPath(), texts: texts)
  }

  static let synthetic: [String: Result<ReferenceRun, Error>] = {
    var runs: [String: Result<ReferenceRun, Error>] = [:]
    for style in ["gpt2", "gpt2-prefix", "smollm", "llama3", "qwen2"] {
      runs[style] = Result { try ReferenceRun.run("synthetic", style, texts: texts) }
    }
    return runs
  }()

  /// Trained vocabularies written to GGUF under the pre-tokenizer names gpt2, smollm,
  /// llama-bpe and qwen2.
  static let ggufSynthetic: [String: Result<ReferenceRun, Error>] = {
    var runs: [String: Result<ReferenceRun, Error>] = [:]
    for style in ["gpt2", "smollm", "llama3", "qwen2"] {
      runs[style] = Result { try ReferenceRun.run("gguf-synthetic", style, texts: texts) }
    }
    return runs
  }()

  static let smolLM2GGUF: Result<BPETokenizer, Error> = Result {
    try BPETokenizer(gguf: GGUFFile(path: TestEnvironment.defaultModelPath()))
  }
}

// MARK: - Test texts

enum TestTexts {
  /// Texts covering the pre-tokenizer paths, special tokens and unusual Unicode.
  static let fixed: [String] = [
    "",
    " ",
    "\n",
    "a",
    "Hello world",
    "The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times.",
    "def encode(self, text: str) -> list[int]:\n    if not text:\n        return []\n\treturn [ord(c) for c in text]  # done\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }\n",
    "1234567890 12345678901234567890123 3.14159 1,000,000 0x1F 2024-01-01 -42 +7",
    "٣٤٥ ½ Ⅻ ² ₃ 𝟙𝟚𝟛 ①②",
    "a  b   c    d\t\te\n\nf \n \n  g   ",
    "   leading spaces",
    "trailing spaces   ",
    "tabs\t\t\tand\t \tmixed \t",
    "line\r\nbreaks\r\n\r\nand\n\n\nmore\n",
    "\u{a0}\u{a0}nbsp \u{2003}em\u{3000}ideographic \u{85}nel\u{2028}ls\u{2029}ps\u{b}vt\u{c}ff",
    "  \n  x\n\n  !  \n?\n",
    "Café déjà vu, naïve façade, Ångström, Straße, ÆØÅ œuvre, e\u{301}te\u{301}",
    "東京は日本の首都です。中文测试，标点符号！「引用」",
    "👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷🇯🇵 😀😀😀 🧑🏿‍💻",
    "안녕하세요 세계! 한국어 텍스트입니다. ㄱㄴㄷ",
    "مرحبا بالعالم! שלום עולם, ‏עברית‏ ١٢٣",
    "It's I'll we're they've I'm he'd IT'S I'LL WE'RE THEY'VE I'M HE'D don't can't",
    "'ſx x'Sx y'ſx z'ﬅx w'Tx 'LLx 'Rex 'vE 's' ''s '",
    "<|im_start|>system\nYou are helpful<|im_end|>\n<|im_start|>user\nHi there<|im_end|><|endoftext|>",
    "<|im_start <|im_start|><|im_start|>x<|endoftext|>y <|im_end|> <|unknown|>",
    "a\u{200b}b\u{200d}c\u{feff}d\u{fffd}e\u{1f}f\u{7f}\u{1}g\u{0}h",
    "a\u{301}\u{302}\u{303} Z\u{324}\u{354}\u{367}\u{311}\u{313}a\u{308}\u{356}\u{32d}",
    "\u{10ffff}\u{e000}\u{1d11e}\u{1f600}\u{2028}\u{202e}abc\u{202c}",
    "xylophone xylophone, [MASK] x [MASK]y  [MASK]  xyzzy axyzzy xyzzy! <note> a<note>b",
    String(repeating: "=", count: 300),
    String(repeating: "a", count: 500),
    String(repeating: " ", count: 200) + "x",
    String(repeating: "ab ", count: 100),
    String(repeating: "😀", count: 60),
  ]

  /// Random strings from a palette of tricky pieces, from a fixed seed.
  static let random: [String] = {
    let atoms = [
      " ", "  ", "\t", "\n", "\r", "\r\n", "\u{a0}", "\u{2003}", "\u{3000}", "\u{85}", "a", "Z", "é", "ſ", "ß",
      "word", "Word", "1", "23", "٣", "½", "Ⅻ", "'", "s", "S", "t", "re", "RE", "ll", "d", "m", "ve", "!", ".",
      "?!", "-", "_", "中", "한", "😀", "👍🏽", "\u{301}", "\u{200d}", "\u{fe0f}", "\u{200b}", "<", "|", ">",
      "<|im_start|>", "<|endoftext|>", "[MASK]", "xyzzy", "<note>", "{", "}", "ʼ", "\u{1f}",
    ]
    var rng = SplitMix64(seed: 0x5EED_7011)
    return (0..<250).map { _ in
      let n = Int(rng.next() % 24)
      return (0..<n).map { _ in atoms[Int(rng.next() % UInt64(atoms.count))] }.joined()
    }
  }()

  static let all = fixed + random
}

// MARK: - Comparison

/// The first texts whose ids differ, described for a failure message (empty when all match).
func mismatches(_ texts: [String], expected: [[Int32]], actual: (String) -> [Int32], limit: Int = 5) -> [String] {
  var out: [String] = []
  for (i, text) in texts.enumerated() {
    let got = actual(text)
    if got != expected[i] {
      out.append("text #\(i) \(text.debugDescription): expected \(expected[i]), got \(got)")
      if out.count >= limit { break }
    }
  }
  return out
}
