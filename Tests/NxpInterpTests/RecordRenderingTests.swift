import Foundation
import NxpInterp
import Testing

/// Terminal drawing of activation records.
@Suite struct RecordRenderingTests {
  static let record = ActivationRecord(
    tokens: ["The", " cat", " sat\n", " down"], activations: [0, 5, 10, -1], excerpt: 12)

  static let stats = NeuronStats(
    mean: 0.25, variance: 2, skewness: 1.5, kurtosis: 3, maxActivation: 10, quantileLevels: [0, 0.5, 1],
    quantileBoundaries: [-1, 2, 10])

  @Test func controlCharactersBecomeVisible() {
    #expect(ActivationRenderer.visible("a\nb\tc\r\u{1B}[31m\u{7F}\u{85}\u{0}é") == "a⏎b⇥c␍␛[31m␡\\u{85}␀é")
  }

  @Test func plainLinesMarkActiveTokensWithTheirLevel() {
    let r = ActivationRenderer(style: .plain)
    #expect(r.line(Self.record, scale: 10) == "  10.000  #12     The cat⁵ sat⏎¹⁰ down")
    #expect(ActivationRenderer.level(9.99, scale: 10) == 9)
    #expect(ActivationRenderer.level(-3, scale: 10) == 0)
    #expect(ActivationRenderer.level(3, scale: 0) == 0)
  }

  @Test func coloursShadeFromWhiteToGreenAndSkipInactiveTokens() {
    let truecolor = ActivationRenderer(style: .truecolor)
    #expect(truecolor.token(" cat", activation: 5, scale: 10) == "\u{1B}[38;2;0;0;0;48;2;148;213;148m cat\u{1B}[0m")
    #expect(truecolor.token(" cat", activation: 10, scale: 10) == "\u{1B}[38;2;0;0;0;48;2;40;170;40m cat\u{1B}[0m")
    #expect(truecolor.token(" cat", activation: -2, scale: 10) == " cat")
    let palette = ActivationRenderer(style: .ansi256)
    #expect(palette.token("x\n", activation: 5, scale: 10) == "\u{1B}[38;5;16;48;5;151mx⏎\u{1B}[0m")
    #expect(palette.token("x", activation: 20, scale: 10) == "\u{1B}[38;5;16;48;5;71mx\u{1B}[0m")
  }

  @Test func styleFollowsTheOutput() {
    #expect(ActivationRenderer.forOutput(isTerminal: false, environment: ["COLORTERM": "truecolor"]).style == .plain)
    #expect(ActivationRenderer.forOutput(isTerminal: true, environment: ["NO_COLOR": "1"]).style == .plain)
    #expect(ActivationRenderer.forOutput(isTerminal: true, environment: ["TERM": "dumb"]).style == .plain)
    #expect(ActivationRenderer.forOutput(isTerminal: true, environment: ["COLORTERM": "truecolor"]).style == .truecolor)
    #expect(ActivationRenderer.forOutput(isTerminal: true, environment: ["TERM": "xterm-256color"]).style == .ansi256)
  }

  @Test func neuronRecordLayout() {
    let low = ActivationRecord(tokens: ["a", "b"], activations: [1, 0.5], excerpt: 3)
    let mid = ActivationRecord(tokens: ["c", "d"], activations: [0, 4], excerpt: 4)
    let random = ActivationRecord(tokens: ["e", "f"], activations: [0, 0], excerpt: 9)
    let record = NeuronRecord(
      id: NeuronID(layer: 6, index: 123), mostPositiveActivationRecords: [Self.record], randomSample: [random],
      randomSampleByQuantile: [[low], [mid]], stats: Self.stats)
    #expect(
      ActivationRenderer(style: .plain).render(record) == """
        neuron 6:123  max 10  mean 0.25  variance 2  skewness 1.5  kurtosis 3
        top
          10.000  #12     The cat⁵ sat⏎¹⁰ down
        quantile [0.5, 1]  maxima 2 to 10
           4.000  #4      cd⁴
        quantile [0, 0.5]  maxima -1 to 2
           1.000  #3      a¹b
        random
           0.000  #9      ef

        """)
  }

  @Test func splitsLayout() {
    let splits = NeuronSplits(
      id: NeuronID(layer: 0, index: 1), train: [Self.record], calibration: [], valid: [Self.record], test: [],
      stats: Self.stats)
    let text = ActivationRenderer(style: .plain).render(splits)
    #expect(
      text.components(separatedBy: "\n").dropFirst() == [
        "train (1)", "  10.000  #12     The cat⁵ sat⏎¹⁰ down", "calibration (0)", "valid (1)",
        "  10.000  #12     The cat⁵ sat⏎¹⁰ down", "test (0)", "",
      ])
  }
}
