import Foundation
import NxpModels
import NxpTestSupport
import Testing

/// Chat layouts against Jinja2 rendering of the templates themselves.
@Suite struct ChatTemplateTests {
  static let conversations: [[(role: String, content: String)]] = [
    [(role: "user", content: "Explain this neuron.")],
    [
      (role: "system", content: "You study neurons."), (role: "user", content: "Neuron 1\nActivations:\n<start>\n a\t3\n<end>\n"),
      (role: "assistant", content: " dates."), (role: "user", content: "Neuron 2"),
    ],
  ]

  func jinja(_ template: String, _ messages: [(role: String, content: String)], generation: Bool, bos: String = "") throws -> String {
    let request: [String: Any] = [
      "template": template, "messages": messages.map { ["role": $0.role, "content": $0.content] }, "add_generation_prompt": generation,
      "bos_token": bos,
    ]
    let out = try PythonReference.run("chat_template_reference.py", stdin: try JSONSerialization.data(withJSONObject: request))
    return String(decoding: out, as: UTF8.self)
  }

  @Test func theInstalledSmolLM2TemplateRendersAsJinjaRendersIt() throws {
    let path = try TestEnvironment.defaultModelPath()
    let template = String(decoding: try PythonReference.run("chat_template_reference.py", ["--gguf", path]), as: UTF8.self)
    let t = try ChatTemplate(jinja: template)
    #expect(t.family == .chatML)
    #expect(t.defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    for messages in Self.conversations {
      for generation in [true, false] {
        #expect(t.render(messages, addGenerationPrompt: generation) == (try jinja(template, messages, generation: generation)))
      }
    }
  }

  @Test func aLlama3TemplateRendersAsJinjaRendersIt() throws {
    // The layout of Llama 3 instruct models' template.
    let template = """
      {% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}
      """
    let t = try ChatTemplate(jinja: template)
    #expect(t.family == .llama3)
    for messages in Self.conversations {
      #expect(t.render(messages) == (try jinja(template, messages, generation: true, bos: "<|begin_of_text|>")))
    }
  }

  @Test func aFinalMessageLeftOpenHasNoEndOfTurn() throws {
    let t = ChatTemplate(family: .chatML)
    #expect(
      t.render([(role: "user", content: "hi"), (role: "assistant", content: "\nActivations:")], continueFinal: true)
        == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n\nActivations:")
  }

  @Test func anUnknownTemplateIsRefusedByName() {
    #expect(throws: ChatTemplate.UnknownTemplate.self) {
      try ChatTemplate(jinja: "{{ bos_token }}[INST] {{ messages[0]['content'] }} [/INST]")
    }
    let e = ChatTemplate.UnknownTemplate(template: "[INST] x")
    #expect(e.description.hasSuffix("it knows ChatML, as in SmolLM2 and Qwen, and Llama 3): [INST] x"))
  }
}
