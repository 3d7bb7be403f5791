import Foundation

/// How a chat model expects its conversation laid out, recognised from the Jinja template in its
/// GGUF metadata (`tokenizer.chat_template`) or `tokenizer_config.json`. nxp does not run Jinja:
/// it knows the layouts of the families it supports and refuses any other template with a
/// message that names it, rather than guessing.
///
/// - ChatML (SmolLM2, Qwen2 and 2.5): `<|im_start|>role\ncontent<|im_end|>\n` per message; some
///   templates add a default system message when the conversation has none, which is kept.
/// - Llama 3: `<|begin_of_text|>` then `<|start_header_id|>role<|end_header_id|>\n\n` + the
///   trimmed content + `<|eot_id|>` per message.
public struct ChatTemplate: Hashable, Sendable {
  public enum Family: String, Hashable, Sendable { case chatML = "ChatML", llama3 = "Llama 3" }

  public let family: Family
  /// The system message ChatML templates insert when the conversation starts without one.
  public let defaultSystem: String?

  public init(family: Family, defaultSystem: String? = nil) {
    self.family = family
    self.defaultSystem = defaultSystem
  }

  public struct UnknownTemplate: Error, CustomStringConvertible, Equatable {
    public var template: String
    public init(template: String) { self.template = template }
    public var description: String {
      let flat = template.replacingOccurrences(of: "\n", with: "\\n")
      let shown = flat.count > 120 ? String(flat.prefix(120)) + "..." : flat
      return "the model's chat template is of a family nxp does not know (it knows ChatML, as in SmolLM2 and Qwen, and Llama 3): \(shown)"
    }
  }

  /// Recognises the family of a Jinja chat template.
  public init(jinja template: String) throws {
    if template.contains("<|im_start|>") && template.contains("<|im_end|>") {
      family = .chatML
      defaultSystem = ChatTemplate.defaultChatMLSystem(in: template)
    } else if template.contains("<|start_header_id|>") && template.contains("<|eot_id|>") {
      family = .llama3
      defaultSystem = nil
    } else {
      throw UnknownTemplate(template: template)
    }
  }

  /// The text of a system turn written as a literal in the template (the one it adds when the
  /// conversation has none), with Jinja's `\n` escapes read.
  static func defaultChatMLSystem(in template: String) -> String? {
    // The newline after the role is a real newline or Jinja's `\n` escape, as the file has it.
    guard let start = template.range(of: "<|im_start|>system\n") ?? template.range(of: "<|im_start|>system\\n"),
      let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex)
    else {
      return nil
    }
    let text = String(template[start.upperBound..<end.lowerBound])
    // A template that writes the system message from a variable has no literal default.
    if text.contains("{{") || text.contains("'") || text.contains("+") { return nil }
    return text.replacingOccurrences(of: "\\n", with: "\n")
  }

  /// The prompt text of `messages`. `addGenerationPrompt` opens an assistant turn for the model
  /// to write; `continueFinal` leaves the last message open instead (no end-of-turn), so a model
  /// scores or continues it (the all-at-once simulator's prompt).
  public func render(_ messages: [(role: String, content: String)], addGenerationPrompt: Bool = true, continueFinal: Bool = false) -> String
  {
    var out = ""
    switch family {
    case .chatML:
      if let defaultSystem, messages.first?.role != "system" {
        out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
      }
      for (i, m) in messages.enumerated() {
        out += "<|im_start|>\(m.role)\n\(m.content)"
        if continueFinal && i == messages.count - 1 { return out }
        out += "<|im_end|>\n"
      }
      if addGenerationPrompt { out += "<|im_start|>assistant\n" }
    case .llama3:
      out += "<|begin_of_text|>"
      for (i, m) in messages.enumerated() {
        out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n" + m.content.trimmingCharacters(in: .whitespacesAndNewlines)
        if continueFinal && i == messages.count - 1 { return out }
        out += "<|eot_id|>"
      }
      if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
    }
    return out
  }
}
