import Foundation

/// Errors building a tokenizer from GGUF metadata or a `tokenizer.json`. Each case names the key,
/// component or token at fault so a user can tell a corrupt file from an unsupported tokenizer.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, Sendable {
  /// A required metadata key or JSON field is absent.
  case missingKey(String)
  /// A key or field holds a value of the wrong type.
  case wrongKeyType(key: String, expected: String)
  /// The tokenizer model is not a byte-level BPE (for example SentencePiece or WordPiece).
  case unsupportedModel(String)
  /// The GGUF `tokenizer.ggml.pre` names a pre-tokenizer this implementation does not know.
  case unsupportedPreTokenizer(String)
  /// A `tokenizer.json` component (normalizer, pre-tokenizer, model option) is not supported.
  case unsupportedComponent(what: String, detail: String)
  /// The `tokenizer.json` is not valid JSON or not a JSON object.
  case invalidJSON(String)
  /// Two arrays that must be parallel have different lengths.
  case lengthMismatch(key: String, expected: Int, found: Int)
  /// A merge entry is not a pair of tokens.
  case badMerge(index: Int, merge: String)
  /// A merge names a token that is not in the vocabulary.
  case unknownMergeToken(index: Int, token: String)
  /// A merge produces a token that is not in the vocabulary.
  case unknownMergeResult(index: Int, token: String)
  /// A token id (BOS, EOS, an added token) lies outside the vocabulary.
  case tokenIDOutOfRange(key: String, id: Int, vocabularySize: Int)
  /// A token referred to by name is not in the vocabulary.
  case unknownToken(key: String, token: String)
  /// The vocabulary has no tokens.
  case emptyVocabulary

  public var description: String {
    switch self {
    case .missingKey(let key):
      return "tokenizer key '\(key)' is missing"
    case .wrongKeyType(let key, let expected):
      return "tokenizer key '\(key)' should be \(expected)"
    case .unsupportedModel(let name):
      return "tokenizer model '\(name)' is not supported; nxp reads byte-level BPE tokenizers only "
        + "(GGUF tokenizer.ggml.model \"gpt2\", or a tokenizer.json with a BPE model and a ByteLevel pre-tokenizer)"
    case .unsupportedPreTokenizer(let name):
      return "pre-tokenizer '\(name)' is not supported; supported: "
        + PreTokenizer.supportedGGUFNames.joined(separator: ", ")
    case .unsupportedComponent(let what, let detail):
      return "unsupported \(what): \(detail)"
    case .invalidJSON(let detail):
      return "tokenizer.json is not valid: \(detail)"
    case .lengthMismatch(let key, let expected, let found):
      return "tokenizer key '\(key)' has \(found) entries; expected \(expected), one per token"
    case .badMerge(let index, let merge):
      return "merge #\(index) \(Self.quote(merge)) is not two tokens separated by one space"
    case .unknownMergeToken(let index, let token):
      return "merge #\(index) names token \(Self.quote(token)), which is not in the vocabulary"
    case .unknownMergeResult(let index, let token):
      return "merge #\(index) produces token \(Self.quote(token)), which is not in the vocabulary"
    case .tokenIDOutOfRange(let key, let id, let size):
      return "tokenizer key '\(key)' is token id \(id), outside the vocabulary of \(size) tokens"
    case .unknownToken(let key, let token):
      return "'\(key)' names token \(Self.quote(token)), which is not in the vocabulary"
    case .emptyVocabulary:
      return "the tokenizer vocabulary is empty"
    }
  }

  /// Quotes a token for a message, escaping controls so the message stays on one line.
  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default:
        if u.value < 0x20 || u.value == 0x7F {
          out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}
