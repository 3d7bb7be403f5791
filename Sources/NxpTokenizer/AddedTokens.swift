// Added tokens (HF `added_tokens`; GGUF control and user-defined tokens) are cut out of the text
// before pre-tokenization and emitted as their ids. As in HF, the search is leftmost-longest over
// UTF-8 bytes and non-overlapping: a match that is then dropped (a special token when specials
// are read as text, a `single_word` token inside a word) still consumes its bytes.

/// A token matched verbatim in text.
struct AddedToken: Sendable, Equatable {
  var id: Int32
  var content: String
  /// Control tokens such as `<|im_start|>`: not matched when specials are read as plain text.
  var special: Bool
  /// Matched against normalized text (HF `normalized`); otherwise against the raw text.
  var normalized: Bool
  /// Swallows whitespace on its left.
  var lstrip = false
  /// Swallows whitespace on its right.
  var rstrip = false
  /// Matches only when not inside a word.
  var singleWord = false
}

/// Finds added tokens in text with a byte trie.
struct AddedTokenMatcher: Sendable {
  enum Segment {
    case text(Range<Int>)
    case token(Int32)
  }

  private let tokens: [AddedToken]
  /// Child of the root per first byte, or -1.
  private var rootChildren = [Int32](repeating: -1, count: 256)
  private var children: [[UInt8: Int32]] = [[:]]
  /// Index into `tokens` of the token ending at each node, or -1.
  private var terminal: [Int32] = [-1]

  var isEmpty: Bool { tokens.isEmpty }

  /// A matcher for `tokens`; their contents are normalized with `normalizer` first.
  init(_ tokens: [AddedToken], normalizer: Normalizer? = nil) {
    self.tokens = tokens
    for (index, token) in tokens.enumerated() {
      var pattern = Array(token.content.utf8)
      if let normalizer {
        pattern = pattern.withUnsafeBufferPointer { normalizer.apply($0) }
      }
      guard !pattern.isEmpty else { continue }
      var node: Int32 = 0
      for b in pattern {
        let next = node == 0 ? rootChildren[Int(b)] : children[Int(node)][b] ?? -1
        if next >= 0 {
          node = next
          continue
        }
        let created = Int32(children.count)
        children.append([:])
        terminal.append(-1)
        if node == 0 { rootChildren[Int(b)] = created } else { children[Int(node)][b] = created }
        node = created
      }
      // The first of two tokens with the same text wins.
      if terminal[Int(node)] < 0 { terminal[Int(node)] = Int32(index) }
    }
  }

  // MARK: - Splitting

  /// Calls `body` with the text segments and matched token ids of `bytes`, in order.
  func split(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool, _ body: (Segment) -> Void) {
    let n = bytes.count
    var emitted = 0
    var pos = 0
    while pos < n {
      guard let (index, length) = longestMatch(bytes, at: pos) else {
        pos += 1
        continue
      }
      var start = pos
      var stop = pos + length
      pos = stop
      let token = tokens[index]
      if token.special && !parseSpecial { continue }
      if token.singleWord {
        let wordBefore = start > 0 && Self.isWordScalar(Self.scalar(before: start, in: bytes))
        let wordAfter = stop < n && Self.isWordScalar(Self.scalar(at: stop, in: bytes))
        if wordBefore || wordAfter { continue }
      }
      if token.lstrip {
        var s = start
        while s > 0 {
          let v = Self.scalar(before: s, in: bytes)
          guard Self.isWhitespace(v) else { break }
          s -= Self.utf8Length(v)
        }
        start = s
      }
      start = max(start, emitted)
      if token.rstrip {
        while stop < n {
          let v = Self.scalar(at: stop, in: bytes)
          guard Self.isWhitespace(v) else { break }
          stop += Self.utf8Length(v)
        }
      }
      if emitted < start { body(.text(emitted..<start)) }
      body(.token(token.id))
      emitted = max(stop, emitted)
    }
    if emitted < n { body(.text(emitted..<n)) }
  }

  private func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, at pos: Int) -> (Int, Int)? {
    var node = rootChildren[Int(bytes[pos])]
    guard node >= 0 else { return nil }
    var best: (Int, Int)?
    var i = pos + 1
    while true {
      let t = terminal[Int(node)]
      if t >= 0 { best = (Int(t), i - pos) }
      guard i < bytes.count, let next = children[Int(node)][bytes[i]] else { break }
      node = next
      i += 1
    }
    return best
  }

  // MARK: - Scalars around a match

  /// The scalar starting at byte `i` (U+FFFD when malformed).
  private static func scalar(at i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    bytes[i] < 0x80 ? UInt32(bytes[i]) : ScalarText.decode(bytes, at: i).0
  }

  /// The scalar ending just before byte `i`.
  private static func scalar(before i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var s = i - 1
    while s > 0, i - s < 4, bytes[s] & 0xC0 == 0x80 { s -= 1 }
    let (v, length) = bytes[s] < 0x80 ? (UInt32(bytes[s]), 1) : ScalarText.decode(bytes, at: s)
    return s + length == i ? v : 0xFFFD
  }

  private static func utf8Length(_ v: UInt32) -> Int {
    v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
  }

  private static func isWhitespace(_ v: UInt32) -> Bool {
    Unicode.Scalar(v)?.properties.isWhitespace ?? false
  }

  /// `\w` as the Rust regex crate defines it: Alphabetic, marks, decimal digits, connector
  /// punctuation and join controls.
  private static func isWordScalar(_ v: UInt32) -> Bool {
    guard let s = Unicode.Scalar(v) else { return false }
    let p = s.properties
    if p.isAlphabetic || p.isJoinControl { return true }
    switch p.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
    default: return false
    }
  }
}
