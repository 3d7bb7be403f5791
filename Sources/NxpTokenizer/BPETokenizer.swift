import Foundation

/// A byte-level BPE tokenizer (GPT-2 style), built from GGUF metadata or a Hugging Face
/// `tokenizer.json`, that produces the same ids as HF `tokenizers` for the same vocabulary,
/// merges, added tokens and pre-tokenizer.
///
/// Encoding runs: added tokens cut out of the raw text, normalization (if any), added tokens
/// matched on normalized text, pre-tokenization into pieces, then BPE merging of each piece's
/// bytes. Merged pieces are cached, so the class is safe to share between threads (the cache
/// is locked).
public final class BPETokenizer: @unchecked Sendable {
  // MARK: - Vocabulary

  /// Token strings by id, as the vocabulary spells them ("" for ids the vocabulary skips).
  private let tokenStrings: [String]
  /// The bytes each token stands for.
  private let tokenByteTable: [[UInt8]]
  private let idByString: [String: Int32]
  /// Special (control) tokens: skipped by `parseSpecial: false` and by `isSpecial`.
  private let specialFlags: [Bool]

  // MARK: - Encoding state

  let merges: MergeTable
  /// The id of each single byte's token, -1 when the vocabulary lacks it.
  let byteIDs: [Int32]
  /// Whole pieces looked up before merging (`ignore_merges`), nil when off.
  private let idByBytes: [[UInt8]: Int32]?
  let preTokenizer: PreTokenizer
  private let normalizer: Normalizer?
  private let rawAddedTokens: AddedTokenMatcher
  private let normalizedAddedTokens: AddedTokenMatcher
  private let fuseUnknown: Bool
  private let cache = WordCache()

  // MARK: - Public properties

  /// The number of token ids (one more than the largest id).
  public var vocabularySize: Int { tokenStrings.count }
  /// Beginning-of-sequence token, if the model names one.
  public let bosID: Int32?
  /// End-of-sequence token, if the model names one.
  public let eosID: Int32?
  /// Unknown token, used for bytes missing from the vocabulary.
  public let unknownID: Int32?
  /// Padding token, if the model names one.
  public let paddingID: Int32?
  /// Whether the model expects BOS before the text (`encode(_:addSpecialTokens:)` adds it).
  public let addsBOS: Bool
  /// Whether the model expects EOS after the text.
  public let addsEOS: Bool

  // MARK: - Construction

  /// Everything a tokenizer is built from, gathered by the GGUF and `tokenizer.json` readers.
  struct Specification {
    /// Model vocabulary: token strings by id ("" for ids not used).
    var tokens: [String]
    /// Which ids the model vocabulary holds (false for holes).
    var present: [Bool]
    /// Merges as token-string pairs, in rank order.
    var merges: [(String, String)]
    var addedTokens: [AddedToken]
    var preTokenizer: PreTokenizer
    var normalizer: Normalizer?
    var ignoreMerges = false
    var unknownID: Int32?
    var fuseUnknown = false
    var bosID: Int32?
    var eosID: Int32?
    var paddingID: Int32?
    var addsBOS = false
    var addsEOS = false
  }

  init(_ spec: Specification) throws {
    guard !spec.tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
    var strings = spec.tokens
    var modelIDs: [String: Int32] = [:]
    modelIDs.reserveCapacity(strings.count)
    // A string listed twice maps to its later id, as a dictionary built in id order does.
    for (id, s) in strings.enumerated() where spec.present[id] { modelIDs[s] = Int32(id) }

    var special = [Bool](repeating: false, count: strings.count)
    var ids = modelIDs
    for token in spec.addedTokens {
      let id = Int(token.id)
      guard id >= 0, id < strings.count else {
        throw TokenizerError.tokenIDOutOfRange(
          key: "added token \(TokenizerError.quote(token.content))", id: id, vocabularySize: strings.count)
      }
      if !spec.present[id] { strings[id] = token.content }
      ids[token.content] = token.id
      if token.special { special[id] = true }
    }

    var table = MergeTable(capacity: spec.merges.count)
    for (rank, (left, right)) in spec.merges.enumerated() {
      guard let l = modelIDs[left] else { throw TokenizerError.unknownMergeToken(index: rank, token: left) }
      guard let r = modelIDs[right] else { throw TokenizerError.unknownMergeToken(index: rank, token: right) }
      guard let m = modelIDs[left + right] else { throw TokenizerError.unknownMergeResult(index: rank, token: left + right) }
      table.insert(l, r, rank: UInt32(rank), result: m)
    }

    tokenStrings = strings
    tokenByteTable = strings.map(ByteLevel.bytes(of:))
    idByString = ids
    specialFlags = special
    merges = table
    byteIDs = (0..<256).map { modelIDs[String(ByteLevel.characters[$0])] ?? -1 }
    if spec.ignoreMerges {
      var byBytes: [[UInt8]: Int32] = [:]
      for (s, id) in modelIDs { byBytes[ByteLevel.bytes(of: s)] = id }
      idByBytes = byBytes
    } else {
      idByBytes = nil
    }
    preTokenizer = spec.preTokenizer
    normalizer = spec.normalizer
    rawAddedTokens = AddedTokenMatcher(spec.addedTokens.filter { !$0.normalized })
    normalizedAddedTokens = AddedTokenMatcher(spec.addedTokens.filter(\.normalized), normalizer: spec.normalizer)
    fuseUnknown = spec.fuseUnknown

    func checked(_ id: Int32?, _ key: String) throws -> Int32? {
      guard let id else { return nil }
      guard id >= 0, Int(id) < strings.count else {
        throw TokenizerError.tokenIDOutOfRange(key: key, id: Int(id), vocabularySize: strings.count)
      }
      return id
    }
    bosID = try checked(spec.bosID, "bos")
    eosID = try checked(spec.eosID, "eos")
    unknownID = try checked(spec.unknownID, "unknown")
    paddingID = try checked(spec.paddingID, "padding")
    addsBOS = spec.addsBOS && spec.bosID != nil
    addsEOS = spec.addsEOS && spec.eosID != nil
  }

  // MARK: - Encoding

  /// The token ids of `text`. With `parseSpecial`, special tokens written in the text (such as
  /// `<|im_start|>`) become their ids; without, they are encoded as plain text. No BOS is added.
  public func encode(_ text: String, parseSpecial: Bool = true) -> [Int32] {
    var out: [Int32] = []
    out.reserveCapacity(text.utf8.count / 3 + 1)
    let scratch = preTokenizer.makeScratch()
    let bytes = Array(text.utf8)
    bytes.withUnsafeBufferPointer { all in
      rawAddedTokens.split(all, parseSpecial: parseSpecial) { segment in
        switch segment {
        case .token(let id): out.append(id)
        case .text(let range): encodeUnmatched(slice(all, range), parseSpecial, scratch, &out)
        }
      }
    }
    return out
  }

  /// The token ids of `text`, with BOS before and EOS after when `addSpecialTokens` is set and
  /// the model asks for them (`addsBOS`, `addsEOS`).
  public func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool = true) -> [Int32] {
    var ids = encode(text, parseSpecial: parseSpecial)
    if addSpecialTokens {
      if addsBOS, let bosID { ids.insert(bosID, at: 0) }
      if addsEOS, let eosID { ids.append(eosID) }
    }
    return ids
  }

  /// Text between raw-matched added tokens: normalize, match normalized added tokens, encode.
  private func encodeUnmatched(
    _ bytes: UnsafeBufferPointer<UInt8>, _ parseSpecial: Bool, _ scratch: PreTokenizer.Scratch, _ out: inout [Int32]
  ) {
    func matchNormalized(_ text: UnsafeBufferPointer<UInt8>) {
      if normalizedAddedTokens.isEmpty { return encodePlain(text, scratch, &out) }
      normalizedAddedTokens.split(text, parseSpecial: parseSpecial) { segment in
        switch segment {
        case .token(let id): out.append(id)
        case .text(let range): encodePlain(slice(text, range), scratch, &out)
        }
      }
    }
    if let normalizer {
      normalizer.apply(bytes).withUnsafeBufferPointer { matchNormalized($0) }
    } else {
      matchNormalized(bytes)
    }
  }

  /// Pre-tokenizes and BPE-encodes text holding no added tokens.
  private func encodePlain(_ bytes: UnsafeBufferPointer<UInt8>, _ scratch: PreTokenizer.Scratch, _ out: inout [Int32]) {
    preTokenizer.split(bytes, scratch: scratch) { encodeWord($0, &out) }
  }

  /// Words this long or longer are not cached.
  private static let cachedWordLimit = 256

  /// BPE-encodes one pre-tokenized piece.
  private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, _ out: inout [Int32]) {
    if word.count == 1, byteIDs[Int(word[0])] >= 0 {
      out.append(byteIDs[Int(word[0])])
      return
    }
    if let idByBytes, let id = idByBytes[Array(word)] {
      out.append(id)
      return
    }
    let cacheable = word.count < Self.cachedWordLimit
    let hash = WordCache.hash(word)
    if cacheable, cache.lookup(word, hash: hash, into: &out) { return }
    var symbols: [Int32] = []
    symbols.reserveCapacity(word.count)
    var lastWasUnknown = false
    for b in word {
      let id = byteIDs[Int(b)]
      if id >= 0 {
        symbols.append(id)
        lastWasUnknown = false
      } else if let unknownID {
        // A byte missing from the vocabulary becomes the unknown token (fused runs give one).
        if !(fuseUnknown && lastWasUnknown) { symbols.append(unknownID) }
        lastWasUnknown = true
      }
    }
    merges.merge(&symbols)
    if cacheable { cache.insert(word, hash: hash, ids: symbols) }
    out.append(contentsOf: symbols)
  }

  private func slice(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(rebasing: bytes[range])
  }

  // MARK: - Decoding

  /// The bytes of all tokens, concatenated. Ids outside the vocabulary are skipped.
  public func decodeBytes(_ ids: [Int32]) -> [UInt8] {
    var bytes: [UInt8] = []
    for id in ids where id >= 0 && Int(id) < tokenByteTable.count {
      bytes.append(contentsOf: tokenByteTable[Int(id)])
    }
    return bytes
  }

  /// The text of `ids`: all token bytes concatenated, then decoded as UTF-8 (so characters split
  /// across tokens come out whole; malformed bytes become U+FFFD).
  public func decode(_ ids: [Int32]) -> String {
    String(decoding: decodeBytes(ids), as: UTF8.self)
  }

  // MARK: - Single tokens

  /// The bytes one token stands for (empty for ids outside the vocabulary).
  public func tokenBytes(_ id: Int32) -> [UInt8] {
    guard id >= 0, Int(id) < tokenByteTable.count else { return [] }
    return tokenByteTable[Int(id)]
  }

  /// A token for display: its bytes as UTF-8, with bytes that only make a character together
  /// with neighbouring tokens shown escaped, e.g. `\xE2`.
  public func tokenText(_ id: Int32) -> String {
    TokenDisplay.render(tokenBytes(id))
  }

  /// The token as the vocabulary spells it (byte-level form, e.g. `Ġthe`), nil outside it.
  public func tokenString(_ id: Int32) -> String? {
    guard id >= 0, Int(id) < tokenStrings.count else { return nil }
    return tokenStrings[Int(id)]
  }

  /// The id of a token given as the vocabulary spells it (`Ġthe`, `<|im_start|>`).
  public func id(of token: String) -> Int32? {
    idByString[token]
  }

  /// Whether `id` is a special (control) token.
  public func isSpecial(_ id: Int32) -> Bool {
    id >= 0 && Int(id) < specialFlags.count && specialFlags[Int(id)]
  }
}
