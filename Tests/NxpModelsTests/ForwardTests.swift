import Foundation
import NxpModels
import NxpTensor
import Testing

/// Batching, capture, skipping and validation behaviour of the forward pass.
@Suite struct ForwardTests {
  static func randomSequences(_ lengths: [Int], vocabulary: Int, seed: UInt64) -> [[Int32]] {
    var rng = SeededGenerator(seed: seed)
    return lengths.map { n in (0..<n).map { _ in Int32.random(in: 0..<Int32(vocabulary), using: &rng) } }
  }

  // MARK: - Batching

  /// A ragged batch split over two workers in several chunks gives each sequence the same
  /// neurons, residuals and logits as running it alone (within 1e-5; products of different row
  /// counts may round differently).
  @Test(arguments: [Architecture.llama, .gpt2])
  func raggedBatchEqualsEachSequenceAlone(architecture: Architecture) throws {
    let config = architecture == .llama ? Fixtures.tinyLlama() : Fixtures.tinyGPT2()
    let model = TransformerModel.randomized(config, seed: 21)
    model.threads = 2
    model.chunkRows = 12
    let sequences = Self.randomSequences([7, 1, 19, 12, 5, 30], vocabulary: config.vocabularySize, seed: 3)
    let request = ForwardRequest(neuronLayers: [0, 1], residualLayers: [1], logits: .all)
    let batch = try model.forward(sequences, request: request)
    #expect(batch.rows == 74 && batch.sequenceStarts == [0, 7, 8, 27, 39, 44, 74])
    #expect(batch.neurons[0]!.rows == 74 && batch.neurons[0]!.columns == config.intermediateSize)
    #expect(batch.logits!.rows == 74 && batch.logits!.columns == config.vocabularySize)
    for (i, s) in sequences.enumerated() {
      let alone = try model.forward([s], request: request)
      let rows = batch.rows(ofSequence: i)
      func slice(_ m: FloatMatrix) -> [Float] { Array(m.toArray()[(rows.lowerBound * m.columns)..<(rows.upperBound * m.columns)]) }
      for l in [0, 1] {
        let d = Deviation(slice(batch.neurons[l]!), alone.neurons[l]!.toArray())
        #expect(d.maxAbs < 1e-5, "sequence \(i) layer \(l): \(d)")
      }
      #expect(Deviation(slice(batch.residuals[1]!), alone.residuals[1]!.toArray()).maxAbs < 1e-5)
      #expect(Deviation(slice(batch.logits!), alone.logits!.toArray()).maxAbs < 1e-5)
    }
  }

  /// The default model: three ragged texts at once equal each text alone.
  @Test func defaultModelRaggedBatchEqualsEachAlone() throws {
    let model = try Fixtures.defaultModel()
    let sequences = Self.randomSequences([9, 3, 14], vocabulary: model.configuration.vocabularySize, seed: 5)
    let request = ForwardRequest(neuronLayers: [2, 20])
    let batch = try model.forward(sequences, request: request)
    for (i, s) in sequences.enumerated() {
      let alone = try model.forward([s], request: request)
      let rows = batch.rows(ofSequence: i)
      for l in [2, 20] {
        let all = batch.neurons[l]!.toArray()
        let d = Deviation(Array(all[(rows.lowerBound * 1536)..<(rows.upperBound * 1536)]), alone.neurons[l]!.toArray())
        #expect(d.relative < 1e-5, "sequence \(i) layer \(l): \(d)")
      }
    }
  }

  /// One worker with multi-threaded BLAS and two workers with single-threaded BLAS agree.
  @Test func workerCountDoesNotChangeResults() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 22)
    let sequences = Self.randomSequences(Array(repeating: 16, count: 8), vocabulary: 50, seed: 4)
    let request = ForwardRequest(neuronLayers: [0, 2])
    model.threads = 1
    let one = try model.forward(sequences, request: request)
    model.threads = 2
    model.chunkRows = 32
    let two = try model.forward(sequences, request: request)
    for l in [0, 2] { #expect(Deviation(two.neurons[l]!.toArray(), one.neurons[l]!.toArray()).maxAbs < 1e-5) }
  }

  // MARK: - What is computed

  /// Capturing only layer 0 returns only layer 0, with the same values as a full run with logits,
  /// and never builds the output head.
  @Test func capturesOnlyWhatIsAskedAndBuildsTheHeadLazily() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(tied: false), seed: 23)
    let sequences = Self.randomSequences([10, 6], vocabulary: 50, seed: 6)
    let early = try model.forward(sequences, request: ForwardRequest(neuronLayers: [0]))
    #expect(Array(early.neurons.keys) == [0] && early.residuals.isEmpty && early.logits == nil)
    #expect(!model.outputHeadIsLoaded)
    let full = try model.forward(sequences, request: ForwardRequest(neuronLayers: [0, 2], logits: .all))
    #expect(model.outputHeadIsLoaded)
    #expect(full.neurons[0]!.toArray() == early.neurons[0]!.toArray())
    // Nothing captured and no logits: no work, an empty result.
    let nothing = try model.forward(sequences)
    #expect(nothing.rows == 16 && nothing.neurons.isEmpty && nothing.logits == nil)
  }

  /// Last-token logits equal the matching rows of all-row logits.
  @Test func lastTokenLogitsAreTheLastRows() throws {
    let model = TransformerModel.randomized(Fixtures.tinyGPT2(), seed: 24)
    let sequences = Self.randomSequences([4, 9, 2], vocabulary: 50, seed: 7)
    let all = try model.forward(sequences, request: ForwardRequest(logits: .all))
    let last = try model.forward(sequences, request: ForwardRequest(logits: .lastOfEachSequence))
    #expect(last.logits!.rows == 3)
    for i in 0..<3 {
      let r = all.sequenceStarts[i + 1] - 1
      #expect(Deviation(Array(last.logits!.row(i)), Array(all.logits!.row(r))).maxAbs < 1e-5)
    }
  }

  /// A reused output keeps its allocations for a smaller batch.
  @Test func reusedOutputKeepsBuffers() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 25)
    let output = ForwardOutput()
    let request = ForwardRequest(neuronLayers: [1])
    try model.forward(Self.randomSequences([20, 20], vocabulary: 50, seed: 8), request: request, into: output)
    let buffer = output.neurons[1]!.pointer
    let small = Self.randomSequences([5], vocabulary: 50, seed: 9)
    try model.forward(small, request: request, into: output)
    #expect(output.neurons[1]!.pointer == buffer && output.rows == 5)
    #expect(output.neurons[1]!.toArray() == (try model.forward(small, request: request)).neurons[1]!.toArray())
  }

  /// A single override value applies to every row and changes later layers.
  @Test func broadcastOverrideReachesLaterLayers() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 26)
    let sequences = Self.randomSequences([6, 6], vocabulary: 50, seed: 10)
    let plain = try model.forward(sequences, request: ForwardRequest(neuronLayers: [0, 1]))
    let changed = try model.forward(
      sequences, request: ForwardRequest(neuronLayers: [0, 1], overrides: [NeuronOverride(layer: 0, neuron: 3, values: [10])]))
    #expect(changed.neurons[0]!.column(3) == Array(repeating: 10, count: 12))
    // Other neurons of the overridden layer are untouched; the next layer moves.
    #expect(changed.neurons[0]!.column(4) == plain.neurons[0]!.column(4))
    #expect(Deviation(changed.neurons[1]!.toArray(), plain.neurons[1]!.toArray()).maxAbs > 1e-3)
  }

  /// An override limited to some rows changes those rows only: two copies of one sequence in a
  /// batch, each with a different neuron replaced, equal each copy run alone with its override.
  @Test func overrideRowsApplyToThoseRowsOnly() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 28)
    model.threads = 2
    model.chunkRows = 8
    let s = Self.randomSequences([9], vocabulary: 50, seed: 11)[0]
    let values: [Float] = (0..<9).map { Float($0) - 4 }
    let overrides = [
      NeuronOverride(layer: 1, neuron: 2, values: values, rows: 9..<18), NeuronOverride(layer: 1, neuron: 7, values: [3], rows: 18..<27),
    ]
    let batch = try model.forward([s, s, s], request: ForwardRequest(neuronLayers: [1], logits: .all, overrides: overrides))
    let plain = try model.forward([s], request: ForwardRequest(neuronLayers: [1], logits: .all))
    let first = try model.forward(
      [s], request: ForwardRequest(neuronLayers: [1], logits: .all, overrides: [NeuronOverride(layer: 1, neuron: 2, values: values)]))
    let second = try model.forward(
      [s], request: ForwardRequest(neuronLayers: [1], logits: .all, overrides: [NeuronOverride(layer: 1, neuron: 7, values: [3])]))
    for (i, alone) in [plain, first, second].enumerated() {
      let rows = batch.rows(ofSequence: i)
      let V = 50, F = 40
      let logits = Array(batch.logits!.toArray()[(rows.lowerBound * V)..<(rows.upperBound * V)])
      let neurons = Array(batch.neurons[1]!.toArray()[(rows.lowerBound * F)..<(rows.upperBound * F)])
      #expect(Deviation(logits, alone.logits!.toArray()).maxAbs < 1e-5, "copy \(i)")
      #expect(Deviation(neurons, alone.neurons[1]!.toArray()).maxAbs < 1e-5, "copy \(i)")
    }
    #expect(Deviation(first.logits!.toArray(), plain.logits!.toArray()).maxAbs > 1e-3)
  }

  /// Starting at block L from the residual stream captured after block L - 1 gives the full
  /// pass's neurons, residuals and logits, with and without an override in block L.
  @Test(arguments: [Architecture.llama, .gpt2])
  func startingFromAResidualEqualsTheFullPass(architecture: Architecture) throws {
    let config = architecture == .llama ? Fixtures.tinyLlama() : Fixtures.tinyGPT2()
    let model = TransformerModel.randomized(config, seed: 29)
    model.threads = 2
    model.chunkRows = 10
    let last = config.layerCount - 1
    let sequences = Self.randomSequences([7, 12, 4], vocabulary: config.vocabularySize, seed: 12)
    let captured = try model.forward(sequences, request: ForwardRequest(residualLayers: [last - 1]))
    let residual = FloatMatrix(rows: 23, columns: config.hiddenSize, values: captured.residuals[last - 1]!.toArray())
    for overrides in [[], [NeuronOverride(layer: last, neuron: 5, values: [2], rows: 7..<19)]] {
      let full = try model.forward(
        sequences, request: ForwardRequest(neuronLayers: [last], residualLayers: [last], logits: .all, overrides: overrides))
      let resumed = try model.forward(
        sequences,
        request: ForwardRequest(
          neuronLayers: [last], residualLayers: [last], logits: .all, overrides: overrides,
          start: ResidualStart(layer: last, residual: residual)))
      #expect(Deviation(resumed.neurons[last]!.toArray(), full.neurons[last]!.toArray()).maxAbs < 1e-5)
      #expect(Deviation(resumed.residuals[last]!.toArray(), full.residuals[last]!.toArray()).maxAbs < 1e-5)
      #expect(Deviation(resumed.logits!.toArray(), full.logits!.toArray()).maxAbs < 1e-5)
    }
    // The residual given is read, not changed.
    #expect(residual.toArray() == captured.residuals[last - 1]!.toArray())
  }

  // MARK: - Bad requests

  @Test func badRequestsAreTypedErrors() throws {
    let model = TransformerModel.randomized(Fixtures.tinyLlama(), seed: 27)
    #expect(throws: ModelError.emptyBatch) { try model.forward([]) }
    #expect(throws: ModelError.emptySequence(index: 1)) { try model.forward([[1], []]) }
    #expect(throws: ModelError.tokenOutOfRange(token: 50, vocabularySize: 50)) { try model.forward([[1, 50]]) }
    #expect(throws: ModelError.tokenOutOfRange(token: -1, vocabularySize: 50)) { try model.forward([[-1]]) }
    #expect(throws: ModelError.sequenceTooLong(length: 65, limit: 64)) {
      try model.forward([Array(repeating: 1, count: 65)], request: ForwardRequest(neuronLayers: [0]))
    }
    #expect(throws: ModelError.layerOutOfRange(layer: 3, layerCount: 3)) {
      try model.forward([[1]], request: ForwardRequest(neuronLayers: [3]))
    }
    #expect(throws: ModelError.neuronOutOfRange(layer: 0, neuron: 40, neuronCount: 40)) {
      try model.forward([[1]], request: ForwardRequest(overrides: [NeuronOverride(layer: 0, neuron: 40, values: [1])]))
    }
    #expect(throws: ModelError.overrideLength(layer: 0, neuron: 1, expected: 3, found: 2)) {
      try model.forward([[1, 2, 3]], request: ForwardRequest(overrides: [NeuronOverride(layer: 0, neuron: 1, values: [1, 2])]))
    }
    #expect(throws: ModelError.overrideLength(layer: 0, neuron: 1, expected: 1, found: 2)) {
      try model.forward(
        [[1, 2, 3]], request: ForwardRequest(overrides: [NeuronOverride(layer: 0, neuron: 1, values: [1, 2], rows: 2..<3)]))
    }
    #expect(throws: ModelError.overrideRows(layer: 0, neuron: 1, rows: 2..<4, batchRows: 3)) {
      try model.forward([[1, 2, 3]], request: ForwardRequest(overrides: [NeuronOverride(layer: 0, neuron: 1, values: [1], rows: 2..<4)]))
    }
    let residual = FloatMatrix(rows: 3, columns: 32)
    #expect(throws: ModelError.beforeStart(layer: 0, start: 1)) {
      try model.forward([[1, 2, 3]], request: ForwardRequest(neuronLayers: [0], start: ResidualStart(layer: 1, residual: residual)))
    }
    #expect(throws: ModelError.startResidualShape(expected: [2, 32], found: [3, 32])) {
      try model.forward([[1, 2]], request: ForwardRequest(logits: .all, start: ResidualStart(layer: 1, residual: residual)))
    }
  }
}
