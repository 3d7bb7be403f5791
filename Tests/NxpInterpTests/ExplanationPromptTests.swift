import Foundation
import NxpInterp
import Testing

/// The exact text of the explainer's prompt for fixed records.
@Suite struct ExplanationPromptTests {
  func record(_ tokens: [String], _ acts: [Float]) -> ActivationRecord {
    ActivationRecord(tokens: tokens, activations: acts, excerpt: 0)
  }

  @Test func aTargetBlockIsNormalisedAgainstTheLargestActivationShown() {
    let records = [
      record([" the", " Journal", " of"], [0.1, 4.0, -0.3]),
      record([" a", " journal", "\n"], [0, 2.0, 0.39]),
    ]
    #expect(
      ExplanationPrompt.block(neuron: 4, records: records) == """
        Neuron 4
        Activations:
        <start>
         the\t0
         Journal\t10
         of\t0
        <end>

        <start>
         a\t0
         journal\t5
        ⏎\t0
        <end>

        Explanation of neuron 4 behavior: the main thing this neuron does is find
        """)
  }

  @Test func sparseRecordsAreRepeatedWithOnlyTheirNonZeroLines() {
    let tokens = (0..<10).map { " t\($0)" }
    let records = [record(tokens, [0, 0, 0, 0, 5, 0, 0, 0, 0, 0])]
    let block = ExplanationPrompt.block(neuron: 1, records: records)
    #expect(
      block.hasSuffix(
        """
        The same records, with only the tokens where it fires:
        <start>
         t4\t10
        <end>

        Explanation of neuron 1 behavior: the main thing this neuron does is find
        """))
  }

  @Test func messagesAlternateWorkedExamplesAndEndWithTheTarget() {
    let messages = ExplanationPrompt.messages(for: [record([" x"], [1])])
    #expect(messages.map(\.role) == [.system, .user, .assistant, .user, .assistant, .user, .assistant, .user])
    #expect(messages[2].content == " years written as four-digit numbers, mostly after \"in\".")
    #expect(
      messages.last!.content
        == "Neuron 4\nActivations:\n<start>\n x\t10\n<end>\n\nExplanation of neuron 4 behavior: the main thing this neuron does is find")
    #expect(messages[1].content.contains(" 1932\t10\n"))
  }

  @Test func aPrefilledPromptEndsInAnOpenAnswerHoldingTheLead() {
    let messages = ExplanationPrompt.messages(for: [record([" x"], [1])], prefill: true)
    #expect(messages.map(\.role) == [.system, .user, .assistant, .user, .assistant, .user, .assistant, .user, .assistant])
    #expect(messages[2].content == "the main thing this neuron does is find years written as four-digit numbers, mostly after \"in\".")
    #expect(messages.last! == ChatMessage(.assistant, "the main thing this neuron does is find"))
  }

  @Test func repliesAreCutToTheirFirstSentence() {
    #expect(ExplanationPrompt.explanation(fromReply: " names of academic journals.\nNeuron 5") == "names of academic journals")
    #expect(ExplanationPrompt.explanation(fromReply: "The main thing this neuron does is find dates.") == "dates")
    #expect(ExplanationPrompt.explanation(fromReply: "  \n ") == nil)
  }
}
