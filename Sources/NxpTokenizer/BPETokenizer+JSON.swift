import Foundation

// A Hugging Face `tokenizer.json` holds a `model` (here BPE: vocab, merges, options), a
// `normalizer`, a `pre_tokenizer`, `added_tokens` and a `post_processor` whose template tells
// whether BOS/EOS are added. Components outside the byte-level BPE family are refused by name.

extension BPETokenizer {
  /// A tokenizer from the contents of a Hugging Face `tokenizer.json`. `tokenizerConfig`, the
  /// contents of `tokenizer_config.json`, can supply `bos_token`, `eos_token`, `add_bos_token`
  /// and `add_eos_token`; without it BOS/EOS come from the post-processor template.
  public convenience init(tokenizerJSON: Data, tokenizerConfig: Data? = nil) throws {
    let root = try JSONReader.object(tokenizerJSON, name: "tokenizer.json")
    let model = try root.object("model")
    let modelType = try model.optionalString("type") ?? "BPE"
    guard modelType == "BPE" else { throw TokenizerError.unsupportedModel(modelType) }

    // MARK: Options the byte-level family does not use
    if let dropout = try model.optionalDouble("dropout"), dropout > 0 {
      throw TokenizerError.unsupportedComponent(what: "BPE option", detail: "dropout \(dropout) (encoding would be random)")
    }
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
      if let affix = try model.optionalString(key), !affix.isEmpty {
        throw TokenizerError.unsupportedComponent(what: "BPE option", detail: "\(key) \(TokenizerError.quote(affix))")
      }
    }
    if try model.optionalBool("byte_fallback") == true {
      throw TokenizerError.unsupportedModel("BPE with byte_fallback (SentencePiece-style)")
    }

    // MARK: Vocabulary
    let vocab = try model.object("vocab")
    var maxID = -1
    var entries: [(String, Int)] = []
    entries.reserveCapacity(vocab.count)
    for (token, value) in vocab.dictionary {
      guard let id = JSONReader.int(value) else {
        throw TokenizerError.wrongKeyType(key: "model.vocab[\(TokenizerError.quote(token))]", expected: "an integer id")
      }
      entries.append((token, id))
      maxID = max(maxID, id)
    }
    let addedTokens = try root.optionalArray("added_tokens").map(Self.parseAddedTokens) ?? []
    for token in addedTokens { maxID = max(maxID, Int(token.id)) }
    guard maxID >= 0 else { throw TokenizerError.emptyVocabulary }
    // Ids index arrays, so a corrupt huge id must not allocate the machine away.
    let idLimit = 4 * (entries.count + addedTokens.count) + 1024
    var tokens = [String](repeating: "", count: min(maxID, idLimit) + 1)
    var present = [Bool](repeating: false, count: tokens.count)
    for (token, id) in entries {
      guard id >= 0, id < tokens.count else {
        throw TokenizerError.tokenIDOutOfRange(key: "model.vocab[\(TokenizerError.quote(token))]", id: id, vocabularySize: tokens.count)
      }
      // Keep the smaller string on a clash so the result does not depend on dictionary order.
      if present[id], tokens[id] < token { continue }
      tokens[id] = token
      present[id] = true
    }

    // MARK: Merges
    let mergeValues = try model.array("merges")
    var merges: [(String, String)] = []
    merges.reserveCapacity(mergeValues.count)
    for (index, value) in mergeValues.enumerated() {
      if let pair = value as? [Any], pair.count == 2, let l = pair[0] as? String, let r = pair[1] as? String {
        merges.append((l, r))
      } else if let s = value as? String {
        let parts = s.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
          throw TokenizerError.badMerge(index: index, merge: s)
        }
        merges.append((String(parts[0]), String(parts[1])))
      } else {
        throw TokenizerError.badMerge(index: index, merge: "\(value)")
      }
    }

    // MARK: Pipeline
    let normalizer = try Self.parseNormalizer(root.optionalObject("normalizer"))
    var steps: [PreTokenizer.Step] = []
    var byteLevel = false
    try Self.parsePreTokenizer(root.optionalObject("pre_tokenizer"), into: &steps, byteLevel: &byteLevel)
    guard byteLevel else {
      throw TokenizerError.unsupportedModel("BPE without a ByteLevel pre-tokenizer (SentencePiece-style)")
    }

    var spec = Specification(
      tokens: tokens, present: present, merges: merges, addedTokens: addedTokens,
      preTokenizer: PreTokenizer(steps: steps), normalizer: normalizer)
    spec.ignoreMerges = try model.optionalBool("ignore_merges") ?? false
    spec.fuseUnknown = try model.optionalBool("fuse_unk") ?? false
    if let unk = try model.optionalString("unk_token") {
      guard let id = entries.first(where: { $0.0 == unk })?.1 else {
        throw TokenizerError.unknownToken(key: "model.unk_token", token: unk)
      }
      spec.unknownID = Int32(id)
    }

    // MARK: BOS and EOS
    func idOf(_ token: String, _ key: String) throws -> Int32 {
      if let added = addedTokens.first(where: { $0.content == token }) { return added.id }
      if let id = entries.first(where: { $0.0 == token })?.1 { return Int32(id) }
      throw TokenizerError.unknownToken(key: key, token: token)
    }
    if let processor = try root.optionalObject("post_processor") {
      try Self.parseTemplate(processor, into: &spec)
    }
    if let tokenizerConfig {
      let config = try JSONReader.object(tokenizerConfig, name: "tokenizer_config.json")
      if let bos = try config.optionalTokenName("bos_token") { spec.bosID = try idOf(bos, "bos_token") }
      if let eos = try config.optionalTokenName("eos_token") { spec.eosID = try idOf(eos, "eos_token") }
      if let add = try config.optionalBool("add_bos_token") { spec.addsBOS = add }
      if let add = try config.optionalBool("add_eos_token") { spec.addsEOS = add }
      if let pad = try config.optionalTokenName("pad_token") { spec.paddingID = try idOf(pad, "pad_token") }
    }
    try self.init(spec)
  }

  // MARK: - Components

  private static func parseAddedTokens(_ values: [Any]) throws -> [AddedToken] {
    try values.enumerated().map { index, value in
      guard let dict = value as? [String: Any] else {
        throw TokenizerError.wrongKeyType(key: "added_tokens[\(index)]", expected: "an object")
      }
      let o = JSONObject(dict, path: "added_tokens[\(index)]")
      guard let id = try JSONReader.int(o.value("id")) else {
        throw TokenizerError.wrongKeyType(key: "added_tokens[\(index)].id", expected: "an integer")
      }
      let special = try o.optionalBool("special") ?? false
      return AddedToken(
        id: Int32(clamping: id), content: try o.string("content"), special: special,
        normalized: try o.optionalBool("normalized") ?? !special,
        lstrip: try o.optionalBool("lstrip") ?? false, rstrip: try o.optionalBool("rstrip") ?? false,
        singleWord: try o.optionalBool("single_word") ?? false)
    }
  }

  private static func parseNormalizer(_ o: JSONObject?) throws -> Normalizer? {
    guard let o else { return nil }
    var forms: [Normalizer.Form] = []
    func add(_ o: JSONObject) throws {
      let type = try o.string("type")
      if type == "Sequence" {
        for (i, item) in try o.array("normalizers").enumerated() {
          guard let d = item as? [String: Any] else {
            throw TokenizerError.wrongKeyType(key: "\(o.path).normalizers[\(i)]", expected: "an object")
          }
          try add(JSONObject(d, path: "\(o.path).normalizers[\(i)]"))
        }
      } else if let form = Normalizer.Form(rawValue: type) {
        forms.append(form)
      } else {
        throw TokenizerError.unsupportedComponent(
          what: "normalizer", detail: "\(type) (supported: \(Normalizer.Form.allCases.map(\.rawValue).joined(separator: ", ")), Sequence)")
      }
    }
    try add(o)
    return forms.isEmpty ? nil : Normalizer(forms: forms)
  }

  private static func parsePreTokenizer(_ o: JSONObject?, into steps: inout [PreTokenizer.Step], byteLevel: inout Bool) throws {
    guard let o else { return }
    let type = try o.string("type")
    switch type {
    case "Sequence":
      for (i, item) in try o.array("pretokenizers").enumerated() {
        guard let d = item as? [String: Any] else {
          throw TokenizerError.wrongKeyType(key: "\(o.path).pretokenizers[\(i)]", expected: "an object")
        }
        try parsePreTokenizer(JSONObject(d, path: "\(o.path).pretokenizers[\(i)]"), into: &steps, byteLevel: &byteLevel)
      }
    case "ByteLevel":
      byteLevel = true
      if try o.optionalBool("add_prefix_space") ?? true { steps.append(.prefixSpace) }
      if try o.optionalBool("use_regex") ?? true { steps.append(.pattern(.gpt2)) }
    case "Digits":
      steps.append(.digits(individual: try o.optionalBool("individual_digits") ?? false))
    case "Split":
      let pattern = try o.object("pattern")
      guard let regex = try pattern.optionalString("Regex") else {
        throw TokenizerError.unsupportedComponent(what: "Split pattern", detail: "only Regex patterns are supported")
      }
      guard let known = SplitPattern(regex: regex) else {
        throw TokenizerError.unsupportedComponent(
          what: "Split regex", detail: "\(TokenizerError.quote(regex)) (supported: the GPT-2, Llama 3 and Qwen2 patterns)")
      }
      let behavior = try o.optionalString("behavior") ?? "Isolated"
      guard behavior == "Isolated", try o.optionalBool("invert") != true else {
        throw TokenizerError.unsupportedComponent(what: "Split behavior", detail: "\(behavior) (supported: Isolated, not inverted)")
      }
      steps.append(.pattern(known))
    default:
      throw TokenizerError.unsupportedComponent(
        what: "pre-tokenizer", detail: "\(type) (supported: ByteLevel, Split, Digits, Sequence)")
    }
  }

  /// BOS/EOS from a `TemplateProcessing` post-processor (possibly inside a `Sequence`): a special
  /// token before `$A` is BOS, one after it is EOS.
  private static func parseTemplate(_ o: JSONObject, into spec: inout Specification) throws {
    switch try o.string("type") {
    case "Sequence":
      for item in try o.array("processors") {
        if let d = item as? [String: Any] { try parseTemplate(JSONObject(d, path: "\(o.path).processors"), into: &spec) }
      }
    case "TemplateProcessing":
      let single = try o.array("single")
      let specials = try o.optionalObject("special_tokens")
      var seenSequence = false
      for item in single {
        guard let d = item as? [String: Any] else { continue }
        if d["Sequence"] != nil {
          seenSequence = true
          continue
        }
        guard let token = d["SpecialToken"] as? [String: Any], let name = token["id"] as? String else { continue }
        guard let entry = specials?.dictionary[name] as? [String: Any], let ids = entry["ids"] as? [Any],
          let first = ids.first.flatMap(JSONReader.int)
        else { throw TokenizerError.unknownToken(key: "post_processor.special_tokens", token: name) }
        if seenSequence {
          spec.eosID = Int32(clamping: first)
          spec.addsEOS = true
        } else {
          spec.bosID = Int32(clamping: first)
          spec.addsBOS = true
        }
      }
    default:
      break
    }
  }
}

// MARK: - JSON access

/// A JSON object with typed accessors whose errors name the field's path.
struct JSONObject {
  let dictionary: [String: Any]
  let path: String

  init(_ dictionary: [String: Any], path: String) {
    self.dictionary = dictionary
    self.path = path
  }

  var count: Int { dictionary.count }

  private func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

  /// A present, non-null value.
  func value(_ k: String) throws -> Any {
    guard let v = dictionary[k], !(v is NSNull) else { throw TokenizerError.missingKey(key(k)) }
    return v
  }

  private func optional(_ k: String) -> Any? {
    guard let v = dictionary[k], !(v is NSNull) else { return nil }
    return v
  }

  func object(_ k: String) throws -> JSONObject {
    guard let o = try optionalObject(k) else { throw TokenizerError.missingKey(key(k)) }
    return o
  }

  func optionalObject(_ k: String) throws -> JSONObject? {
    guard let v = optional(k) else { return nil }
    guard let d = v as? [String: Any] else { throw TokenizerError.wrongKeyType(key: key(k), expected: "an object") }
    return JSONObject(d, path: key(k))
  }

  func array(_ k: String) throws -> [Any] {
    guard let a = try optionalArray(k) else { throw TokenizerError.missingKey(key(k)) }
    return a
  }

  func optionalArray(_ k: String) throws -> [Any]? {
    guard let v = optional(k) else { return nil }
    guard let a = v as? [Any] else { throw TokenizerError.wrongKeyType(key: key(k), expected: "an array") }
    return a
  }

  func string(_ k: String) throws -> String {
    guard let s = try optionalString(k) else { throw TokenizerError.missingKey(key(k)) }
    return s
  }

  func optionalString(_ k: String) throws -> String? {
    guard let v = optional(k) else { return nil }
    guard let s = v as? String else { throw TokenizerError.wrongKeyType(key: key(k), expected: "a string") }
    return s
  }

  func optionalBool(_ k: String) throws -> Bool? {
    guard let v = optional(k) else { return nil }
    guard let n = v as? NSNumber, JSONReader.isBool(n) else {
      throw TokenizerError.wrongKeyType(key: key(k), expected: "a boolean")
    }
    return n.boolValue
  }

  func optionalDouble(_ k: String) throws -> Double? {
    guard let v = optional(k) else { return nil }
    guard let n = v as? NSNumber, !JSONReader.isBool(n) else {
      throw TokenizerError.wrongKeyType(key: key(k), expected: "a number")
    }
    return n.doubleValue
  }

  /// A token named by a string or by an object with `content` (tokenizer_config.json style).
  func optionalTokenName(_ k: String) throws -> String? {
    guard let v = optional(k) else { return nil }
    if let s = v as? String { return s }
    if let d = v as? [String: Any], let s = d["content"] as? String { return s }
    throw TokenizerError.wrongKeyType(key: key(k), expected: "a token string or an object with \"content\"")
  }
}

enum JSONReader {
  static func object(_ data: Data, name: String) throws -> JSONObject {
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: data)
    } catch {
      throw TokenizerError.invalidJSON("\(name): \(error.localizedDescription)")
    }
    guard let d = parsed as? [String: Any] else { throw TokenizerError.invalidJSON("\(name) is not a JSON object") }
    return JSONObject(d, path: "")
  }

  /// An integral JSON number as Int (not a boolean, not a fraction).
  static func int(_ v: Any) -> Int? {
    guard let n = v as? NSNumber, !isBool(n) else { return nil }
    let d = n.doubleValue
    guard d == d.rounded(), abs(d) < 1e15 else { return nil }
    return Int(d)
  }

  static func isBool(_ n: NSNumber) -> Bool {
    // JSONSerialization returns booleans as NSNumbers of type char; numbers never get that type.
    String(cString: n.objCType) == "c"
  }
}
