// The pre-tokenizer regexes, written out by hand. Each function returns the end of the match the
// reference regex engine (leftmost-first alternation with backtracking) finds at a position. In
// all three patterns some alternative matches any scalar, and none matches the empty string, so
// the matches tile the piece and the split is a run of consecutive matches.

/// A pre-tokenizer split pattern.
enum SplitPattern: String, Sendable, CaseIterable {
  /// GPT-2: contractions, ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`, `\s+(?!\S)`, `\s+`.
  case gpt2
  /// Llama 3: case-insensitive contractions, one leading non-letter glued to letters, numbers in
  /// groups of up to three, punctuation with trailing newlines, whitespace ending in newlines.
  case llama3
  /// Qwen2: as Llama 3 but with single-digit numbers.
  case qwen2

  /// The regex as `tokenizer.json` files spell it.
  var regex: String {
    switch self {
    case .gpt2:
      return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    case .llama3:
      return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    case .qwen2:
      return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    }
  }

  /// The pattern a `tokenizer.json` regex spells, if it is one of the supported ones.
  init?(regex: String) {
    guard let p = Self.allCases.first(where: { $0.regex == regex }) else { return nil }
    self = p
  }

  // MARK: - Matching

  /// The end of the match starting at scalar `i` (`i < text.count`).
  func match(_ text: ScalarText, at i: Int) -> Int {
    switch self {
    case .gpt2: return Self.matchGPT2(text, i)
    case .llama3: return Self.matchLlama3(text, i, maxDigits: 3)
    case .qwen2: return Self.matchLlama3(text, i, maxDigits: 1)
    }
  }

  private static let letter = CharacterClass.letter
  private static let number = CharacterClass.number
  private static let space = CharacterClass.space
  private static let newline = CharacterClass.newline
  private static let apostrophe: UInt32 = 0x27
  private static let blank: UInt32 = 0x20

  private static func matchGPT2(_ t: ScalarText, _ i: Int) -> Int {
    let n = t.count
    if t.values[i] == apostrophe, let e = contraction(t, i, foldCase: false) { return e }
    // ` ?X+`: the optional space only helps when an X follows it.
    let j = t.values[i] == blank && i + 1 < n ? i + 1 : i
    let c = t.classes[j]
    if c & letter != 0 { return run(t, from: j, while: letter) }
    if c & number != 0 { return run(t, from: j, while: number) }
    if c & (letter | number | space) == 0 { return runOther(t, from: j) }
    return whitespace(t, i)
  }

  private static func matchLlama3(_ t: ScalarText, _ i: Int, maxDigits: Int) -> Int {
    let n = t.count
    if t.values[i] == apostrophe, let e = contraction(t, i, foldCase: true) { return e }
    let c = t.classes[i]
    // `[^\r\n\p{L}\p{N}]?\p{L}+`
    if c & letter != 0 { return run(t, from: i, while: letter) }
    if c & (newline | number) == 0, i + 1 < n, t.classes[i + 1] & letter != 0 {
      return run(t, from: i + 1, while: letter)
    }
    // `\p{N}{1,3}` or `\p{N}`
    if c & number != 0 { return min(run(t, from: i, while: number), i + maxDigits) }
    // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
    let j = t.values[i] == blank ? i + 1 : i
    if j < n, t.classes[j] & (letter | number | space) == 0 {
      var e = runOther(t, from: j)
      while e < n, t.classes[e] & newline != 0 { e += 1 }
      return e
    }
    // Only whitespace is left. `\s*[\r\n]+` backtracks to the last newline of the run.
    let e = run(t, from: i, while: space)
    var k = e - 1
    while k >= i {
      if t.classes[k] & newline != 0 { return k + 1 }
      k -= 1
    }
    return trailingWhitespace(i, runEnd: e, count: n)
  }

  // MARK: - Pieces of patterns

  /// `'s|'t|'re|'ve|'m|'ll|'d` at an apostrophe, optionally case-insensitive. Case folding maps
  /// ASCII capitals and U+017F (long s, which folds to `s`) to the lowercase letters.
  private static func contraction(_ t: ScalarText, _ i: Int, foldCase: Bool) -> Int? {
    let n = t.count
    func letter(_ k: Int) -> UInt32 {
      guard k < n else { return 0 }
      let v = t.values[k]
      guard foldCase else { return v }
      if v >= 0x41 && v <= 0x5A { return v + 0x20 }
      return v == 0x17F ? 0x73 : v
    }
    switch letter(i + 1) {
    case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
    case 0x72, 0x76: return letter(i + 2) == 0x65 ? i + 3 : nil  // re ve
    case 0x6C: return letter(i + 2) == 0x6C ? i + 3 : nil  // ll
    default: return nil
    }
  }

  /// End of the run of scalars having any of `flags`, starting at `i`.
  private static func run(_ t: ScalarText, from i: Int, while flags: UInt8) -> Int {
    var e = i
    let n = t.count
    while e < n, t.classes[e] & flags != 0 { e += 1 }
    return e
  }

  /// End of the run of `[^\s\p{L}\p{N}]` scalars starting at `i`.
  private static func runOther(_ t: ScalarText, from i: Int) -> Int {
    var e = i
    let n = t.count
    while e < n, t.classes[e] & (letter | number | space) == 0 { e += 1 }
    return e
  }

  /// `\s+(?!\S)|\s+` at whitespace.
  private static func whitespace(_ t: ScalarText, _ i: Int) -> Int {
    trailingWhitespace(i, runEnd: run(t, from: i, while: space), count: t.count)
  }

  /// `\s+(?!\S)` keeps the run's last whitespace for the word after it; a lone whitespace before
  /// a non-space falls through to `\s+`.
  private static func trailingWhitespace(_ i: Int, runEnd e: Int, count n: Int) -> Int {
    if e == n { return n }
    return e - i >= 2 ? e - 1 : i + 1
  }
}
