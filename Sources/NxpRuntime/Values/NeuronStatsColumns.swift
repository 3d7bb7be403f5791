import NxpInterp

/// The per-neuron columns that records and neuron sets share in their tables.
enum NeuronStatsColumns {
  static let columns: [Table.Column] = [
    .init("neuron", .neuron), .init("layer", .int), .init("index", .int), .init("max", .float), .init("mean", .float),
    .init("variance", .float), .init("skewness", .float), .init("kurtosis", .float),
  ]

  static func cells(_ id: NeuronID, _ s: NeuronStats) -> [Value] {
    [
      .neuron(id), .int(id.layer), .int(id.index), .float(Double(s.maxActivation)), .float(s.mean), .float(s.variance),
      .float(s.skewness), .float(s.kurtosis),
    ]
  }
}
