import Foundation
import NxpInterp
import Testing

/// The exact text of the simulator's prompts and the reading of its answers.
@Suite struct SimulationPromptTests {
  @Test func theTargetShowsEveryValueAsUnknownAfterWorkedExamplesRevealedPartWay() {
    let m = SimulationPrompt.allAtOnce(explanation: "names of journals", tokens: [" the", " Journal", "\t"])
    #expect(m.map(\.role) == [.system, .user, .assistant, .user, .assistant, .user, .assistant, .user, .assistant])
    #expect(m[7].content == "Neuron 4\nExplanation of neuron 4 behavior: the main thing this neuron does is find names of journals")
    #expect(m[8].content == "\nActivations:\n<start>\n the\tunknown\n Journal\tunknown\n⇥\tunknown\n<end>\n")
    // The first worked record has 10 tokens: the first five unknown, the rest revealed.
    #expect(
      m[2].content.hasPrefix(
        "\nActivations:\n<start>\nThe\tunknown\n bridge\tunknown\n opened\tunknown\n in\tunknown\n 1932\tunknown\n and\t0\n closed\t0\n in\t0\n 2004\t8\n.\t0\n<end>\n"
      ))
  }

  @Test func theExpectedValueRenormalisesOverTheValues() {
    let r = SimulationPrompt.expectedValue(logProbabilities: [("0", log(0.5)), ("9", log(0.25)), (" unknown", log(0.2)), ("3", log(0.05))]
    )!
    // Renormalised over 0.8: 0 -> 0.625, 9 -> 0.3125, 3 -> 0.0625.
    #expect(abs(r.value - (9 * 0.3125 + 3 * 0.0625)) < 1e-12)
    #expect(abs(r.distribution[0]! - 0.625) < 1e-12)
    #expect(SimulationPrompt.expectedValue(logProbabilities: [("unknown", 0), ("10", -1), ("03", -1)]) == nil)
  }

  @Test func generatedRepliesAlignWithTheTokensOrFail() {
    let tokens = [" a", " b", " c"]
    #expect(SimulationPrompt.parseGenerated("<start>\n a\t0\n b\t 7 \n c\t12\n<end>", tokens: tokens) == [0, 7, 9])
    #expect(SimulationPrompt.parseGenerated(" a\t0\n b\t7", tokens: tokens) == nil)
    #expect(SimulationPrompt.parseGenerated("I think it is 3", tokens: tokens) == nil)
  }

  @Test func tokenByTokenPromptsEndWhereTheValueGoes() {
    let m = SimulationPrompt.tokenByToken(explanation: "names of journals", tokens: [" the", " Journal", " of"], upTo: 1)
    let all = SimulationPrompt.allAtOnce(explanation: "names of journals", tokens: [" the", " Journal", " of"])
    #expect(m.dropLast() == all.dropLast())
    #expect(m.last!.content == "\nActivations:\n<start>\n the\tunknown\n Journal\t")
    // The cut prompt is a prefix of the all-at-once prompt: both read the same distribution.
    #expect(all.last!.content.hasPrefix(m.last!.content))
  }

  @Test func theGenerationPromptAsksForEveryLineWithItsValue() {
    let m = SimulationPrompt.generation(explanation: "names of journals", tokens: [" the", " Journal"])
    #expect(m.map(\.role) == [.system, .user, .assistant, .user, .assistant, .user, .assistant, .user])
    #expect(
      m[7].content
        == "Neuron 4\nExplanation of neuron 4 behavior: the main thing this neuron does is find names of journals\n\nActivations:\n<start>\n the\tunknown\n Journal\tunknown\n<end>\n\nWrite every line again with its activation in place of \"unknown\"."
    )
    #expect(m[2].content.hasPrefix("\nActivations:\n<start>\nThe\t0\n bridge\t0\n opened\t0\n in\t0\n 1932\t9\n"))
  }
}
