import Foundation

/// Which distribution an echoed prompt's log-probability list puts at position i.
public enum PromptAlignment: String, Hashable, Codable, Sendable {
  /// Entry i is the distribution that predicted token i (OpenAI, vLLM, llama-cpp-python when the
  /// prompt starts with its BOS token).
  case samePosition
  /// Entry i is the distribution after token i, which predicts token i+1 (llama-cpp-python when
  /// the prompt does not start with its BOS token).
  case nextPosition
}

/// A field missing from or wrong in a server's answer.
struct AnswerShapeError: Error {
  var detail: String
}

/// Reading the JSON shapes OpenAI-compatible servers answer with.
enum OpenAIAnswers {
  typealias Object = [String: Any]

  static func firstChoice(_ answer: Object) throws -> Object {
    guard let choices = answer["choices"] as? [Any], let first = choices.first as? Object else {
      throw AnswerShapeError(detail: "it has no choices[0]")
    }
    return first
  }

  static func usage(_ answer: Object) -> Usage {
    // Some servers leave usage out; the ledger then counts no tokens for the request.
    let u = answer["usage"] as? Object
    return Usage(promptTokens: int(u?["prompt_tokens"]) ?? 0, completionTokens: int(u?["completion_tokens"]) ?? 0)
  }

  static func int(_ value: Any?) -> Int? {
    guard let n = value as? NSNumber else { return nil }
    return n.intValue
  }

  static func double(_ value: Any?) -> Double? {
    guard let n = value as? NSNumber else { return nil }
    return n.doubleValue
  }

  /// Alternatives given as `{token: logprob}` (legacy) or `[{token, logprob}]` (chat), best
  /// first, at most `k`. llama-cpp-python and vLLM add the actual token to the top k, so a list
  /// may hold k+1; it is sorted and cut.
  static func alternatives(_ value: Any?, k: Int) throws -> [TokenLogprob] {
    var list: [TokenLogprob] = []
    if value == nil || value is NSNull { return [] }
    if let dict = value as? Object {
      for (token, lp) in dict {
        guard let lp = double(lp) else { throw AnswerShapeError(detail: "a top_logprobs value for \(quoted(token)) is not a number") }
        list.append(TokenLogprob(token, lp))
      }
    } else if let array = value as? [Any] {
      for item in array {
        guard let o = item as? Object, let token = o["token"] as? String, let lp = double(o["logprob"]) else {
          throw AnswerShapeError(detail: "a top_logprobs entry lacks token or logprob")
        }
        list.append(TokenLogprob(token, lp))
      }
    } else {
      throw AnswerShapeError(detail: "top_logprobs is neither a list nor an object")
    }
    list.sort { $0.logprob != $1.logprob ? $0.logprob > $1.logprob : $0.token < $1.token }
    return Array(list.prefix(k))
  }

  /// Generated tokens from `choices[0].logprobs`: chat-style `content[]` or legacy arrays.
  static func generatedTokens(_ logprobs: Any?, k: Int) throws -> [GeneratedToken] {
    guard let lp = logprobs as? Object else { throw AnswerShapeError(detail: "it has no logprobs") }
    if let content = lp["content"] as? [Any] {
      return try content.map { item in
        guard let o = item as? Object, let token = o["token"] as? String else {
          throw AnswerShapeError(detail: "a logprobs.content entry has no token")
        }
        return GeneratedToken(token: token, logprob: double(o["logprob"]), top: try alternatives(o["top_logprobs"], k: k))
      }
    }
    let legacy = try LegacyLogprobs(lp)
    return try legacy.tokens.indices.map { i in
      GeneratedToken(token: legacy.tokens[i], logprob: legacy.logprob(i), top: try alternatives(legacy.top[i], k: k))
    }
  }

  static func quoted(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\n", with: "\\n") + "\""
  }
}

/// `logprobs: {tokens, token_logprobs, top_logprobs}` parallel arrays (legacy completions).
struct LegacyLogprobs {
  var tokens: [String]
  var logprobs: [Any]
  var top: [Any]

  init(_ lp: [String: Any]) throws {
    guard let tokens = lp["tokens"] as? [Any], let top = lp["top_logprobs"] as? [Any] else {
      throw AnswerShapeError(detail: "logprobs has neither content[] nor tokens and top_logprobs")
    }
    self.tokens = try tokens.map {
      guard let s = $0 as? String else { throw AnswerShapeError(detail: "logprobs.tokens holds a non-string") }
      return s
    }
    self.top = top
    logprobs = lp["token_logprobs"] as? [Any] ?? []
    guard self.top.count == self.tokens.count else {
      throw AnswerShapeError(detail: "logprobs has \(tokens.count) tokens but \(top.count) top_logprobs")
    }
  }

  func logprob(_ i: Int) -> Double? { i < logprobs.count ? OpenAIAnswers.double(logprobs[i]) : nil }

  /// The best alternative at each position (nil where there is none).
  func argmax() -> [String?] {
    top.map { (try? OpenAIAnswers.alternatives($0, k: 1))?.first?.token }
  }

  /// Which alignment the echoed probe shows: count positions whose best alternative is the
  /// token at that position, and those whose best is the next token. A clear winner (at least
  /// 4 hits and twice the other's) decides; otherwise nil.
  func detectAlignment(promptCount: Int) -> (alignment: PromptAlignment?, same: Int, next: Int) {
    let best = argmax()
    var same = 0
    var next = 0
    for i in 0..<min(promptCount, tokens.count) {
      guard let b = best[i] else { continue }
      if b == tokens[i] { same += 1 }
      if i + 1 < tokens.count, b == tokens[i + 1] { next += 1 }
    }
    if same >= 4 && same >= 2 * next { return (.samePosition, same, next) }
    if next >= 4 && next >= 2 * same { return (.nextPosition, same, next) }
    return (nil, same, next)
  }
}
