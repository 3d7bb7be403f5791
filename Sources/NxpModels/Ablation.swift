import Foundation
import NxpCore
import NxpTensor

// Ablation: how far the next-token distributions move when one MLP neuron's values are replaced.
// Each perturbed copy of an excerpt is compared with the excerpt's own pass by the Jensen-Shannon
// divergence at every position.
//
// A replacement in layer L changes nothing below L, so the residual stream entering L is computed
// once per excerpt (by the unperturbed pass, which also gives the reference distributions) and
// every copy of that excerpt starts from it. Copies of several excerpts and neurons share a
// batch, each batch's logits become divergences before the next batch runs, and the reference
// log-probabilities are kept only for the excerpts of the current batch: memory is bounded by
// twice `maxRows` rows of logits.

/// One perturbed copy of an excerpt: neuron `neuron` of the ablated layer takes `values`, one per
/// token of the excerpt or a single value for all of them.
public struct NeuronReplacement: Hashable, Sendable {
  /// Index into the excerpts given to `ablate`.
  public var excerpt: Int
  public var neuron: Int
  public var values: [Float]

  public init(excerpt: Int, neuron: Int, values: [Float]) {
    self.excerpt = excerpt
    self.neuron = neuron
    self.values = values
  }
}

/// How `ablate` batches its work; neither setting changes the result beyond float rounding.
public struct AblationOptions: Sendable, Equatable {
  /// Most rows (tokens) in one forward pass: its logits take `maxRows x V x 4` bytes, and the
  /// reference log-probabilities as much again.
  public var maxRows: Int
  /// Start every copy from the residual stream entering the layer (true) or run it from the
  /// embedding (false: the same numbers at a higher cost, for comparison).
  public var reuseResidual: Bool

  public init(maxRows: Int = 256, reuseResidual: Bool = true) {
    self.maxRows = maxRows
    self.reuseResidual = reuseResidual
  }
}

/// What `ablate` measured, one entry per replacement in the order given.
public struct AblationResult: Sendable {
  /// The Jensen-Shannon divergence (nats) between the excerpt's own next-token distribution and
  /// the perturbed copy's, at each position of the excerpt.
  public var divergences: [[Double]]
  /// The replaced neuron's own values on the excerpt (from the unperturbed pass).
  public var original: [[Float]]
  /// Forward passes run and the rows they held (unperturbed and perturbed), for cost figures.
  public var passes: Int
  public var rows: Int
}

extension TransformerModel {
  /// Runs each excerpt once as it is and once per replacement, and measures at every position how
  /// far each replacement moved the next-token distribution. Identical replacements of one
  /// excerpt (a value repeated for every token counts as that value) are run once and share
  /// their result exactly.
  public func ablate(
    layer: Int, excerpts: [[Int32]], replacements: [NeuronReplacement], options: AblationOptions = AblationOptions()
  ) throws -> AblationResult {
    let c = configuration
    let F = c.intermediateSize, C = c.hiddenSize, V = c.vocabularySize
    guard layer >= 0, layer < c.layerCount else { throw ModelError.layerOutOfRange(layer: layer, layerCount: c.layerCount) }
    for r in replacements {
      guard r.excerpt >= 0, r.excerpt < excerpts.count else {
        throw ModelError.excerptOutOfRange(index: r.excerpt, count: excerpts.count)
      }
      guard r.neuron >= 0, r.neuron < F else { throw ModelError.neuronOutOfRange(layer: layer, neuron: r.neuron, neuronCount: F) }
      let t = excerpts[r.excerpt].count
      guard r.values.count == 1 || r.values.count == t else {
        throw ModelError.overrideLength(layer: layer, neuron: r.neuron, expected: t, found: r.values.count)
      }
    }
    let reuse = options.reuseResidual && layer > 0
    let maxRows = max(1, options.maxRows)

    // MARK: Distinct copies, grouped by excerpt, cut into batches
    var uniqueIndex: [NeuronReplacement: Int] = [:]
    var unique: [NeuronReplacement] = []
    let slot = replacements.map { given -> Int in
      // One value repeated is the same replacement as that value once.
      var r = given
      if let v = r.values.first, r.values.count > 1, r.values.allSatisfy({ $0 == v }) { r.values = [v] }
      if let i = uniqueIndex[r] { return i }
      uniqueIndex[r] = unique.count
      unique.append(r)
      return unique.count - 1
    }
    let order = unique.indices.sorted { (unique[$0].excerpt, $0) < (unique[$1].excerpt, $1) }
    var batches: [[Int]] = []
    var current: [Int] = []
    var currentRows = 0
    for u in order {
      let t = excerpts[unique[u].excerpt].count
      if !current.isEmpty && currentRows + t > maxRows {
        batches.append(current)
        current = []
        currentRows = 0
      }
      current.append(u)
      currentRows += t
    }
    if !current.isEmpty { batches.append(current) }

    var divergences = [[Double]](repeating: [], count: unique.count)
    var original = [[Float]](repeating: [], count: unique.count)
    var passes = 0, rowsRun = 0
    let out = ForwardOutput()
    // The current batch's excerpts as they are: `[T, V]` log-probabilities, `[T, C]` residual
    // stream entering the layer (when reused), `[T, F]` neurons of the layer.
    var references: [Int: (logProbs: FloatMatrix, residual: FloatMatrix?, neurons: FloatMatrix)] = [:]
    let start = FloatMatrix(rows: 0, columns: C)

    for batch in batches {
      try Cancellation.check()
      var here: [Int] = []
      for u in batch where here.last != unique[u].excerpt { here.append(unique[u].excerpt) }
      references = references.filter { here.contains($0.key) }

      // MARK: The excerpts as they are
      let missing = here.filter { references[$0] == nil }
      if !missing.isEmpty {
        try forward(
          missing.map { excerpts[$0] },
          request: ForwardRequest(neuronLayers: [layer], residualLayers: reuse ? [layer - 1] : [], logits: .all), into: out)
        passes += 1
        rowsRun += out.rows
        let logits = out.logits!.pointer
        logSoftmaxRows(logits, rows: out.rows, width: V)
        for (j, e) in missing.enumerated() {
          let rows = out.rows(ofSequence: j)
          let logProbs = FloatMatrix(rows: rows.count, columns: V)
          logProbs.pointer.update(from: logits + rows.lowerBound * V, count: rows.count * V)
          let neurons = FloatMatrix(rows: rows.count, columns: F)
          neurons.pointer.update(from: out.neurons[layer]!.pointer + rows.lowerBound * F, count: rows.count * F)
          var residual: FloatMatrix?
          if reuse {
            let m = FloatMatrix(rows: rows.count, columns: C)
            m.pointer.update(from: out.residuals[layer - 1]!.pointer + rows.lowerBound * C, count: rows.count * C)
            residual = m
          }
          references[e] = (logProbs, residual, neurons)
        }
      }

      // MARK: The perturbed copies
      var sequences: [[Int32]] = []
      var overrides: [NeuronOverride] = []
      // Per row of the batch: its reference row's log-probabilities.
      var referenceRows: [UnsafePointer<Float>] = []
      for u in batch {
        let r = unique[u]
        let ref = references[r.excerpt]!
        let t = excerpts[r.excerpt].count
        overrides.append(
          NeuronOverride(layer: layer, neuron: r.neuron, values: r.values, rows: referenceRows.count..<(referenceRows.count + t)))
        sequences.append(excerpts[r.excerpt])
        for p in 0..<t { referenceRows.append(UnsafePointer(ref.logProbs.pointer + p * V)) }
        original[u] = (0..<t).map { ref.neurons.pointer[$0 * F + r.neuron] }
      }
      let R = referenceRows.count
      var resume: ResidualStart?
      if reuse {
        start.reshape(rows: R, columns: C)
        var row = 0
        for u in batch {
          let residual = references[unique[u].excerpt]!.residual!
          (start.pointer + row * C).update(from: residual.pointer, count: residual.count)
          row += residual.rows
        }
        resume = ResidualStart(layer: layer, residual: start)
      }
      try forward(sequences, request: ForwardRequest(logits: .all, overrides: overrides, start: resume), into: out)
      passes += 1
      rowsRun += R

      // MARK: Divergences, row by row as soon as the logits exist
      let logits = out.logits!.pointer
      var perRow = [Double](repeating: 0, count: R)
      perRow.withUnsafeMutableBufferPointer { dst in
        let dst = dst
        referenceRows.withUnsafeBufferPointer { refs in
          let parts = Parallel.ranges(R, parts: max(1, threads))
          Parallel.forEach(parts.count) { k in
            for row in parts[k] {
              let q = logits + row * V
              Softmax.logSoftmax(q, into: q, count: V)
              dst[row] = Divergence.jensenShannon(logP: refs[row], logQ: q, count: V)
            }
          }
        }
      }
      var row = 0
      for u in batch {
        let t = excerpts[unique[u].excerpt].count
        divergences[u] = Array(perRow[row..<(row + t)])
        row += t
      }
    }
    return AblationResult(
      divergences: slot.map { divergences[$0] }, original: slot.map { original[$0] }, passes: passes, rows: rowsRun)
  }

  /// Log-softmax of every row of `[rows, width]` in place, rows split over the model's threads.
  private func logSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    let parts = Parallel.ranges(rows, parts: max(1, threads))
    Parallel.forEach(parts.count) { k in
      for r in parts[k] { Softmax.logSoftmax(x + r * width, into: x + r * width, count: width) }
    }
  }
}
