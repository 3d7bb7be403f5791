import Foundation
import NxpCore
import NxpInterp

/// `neuronRecords("collated-activations")`: neuron-explainer's `NeuronRecord` files (the
/// paper's released data, or what `save(..., format: "neuron-explainer")` wrote) as a neuron set,
/// split as `topk` splits recorded neurons. Every file's content hash joins the key.
final class NeuronRecordsOp: Primitive {
  let name = "neuronRecords"
  let version = 1
  var params: [Param] {
    [
      Param(
        "path", .string, positional: true,
        doc: "a NeuronRecord .json file, or a folder of them such as {layer}/{neuron}.json (every .json file below it)"),
      Param("k", .oneOf([.int, .null]), default: .null, doc: "top records per neuron to split (default: as many as every file holds)"),
      Param(
        "random", .oneOf([.int, .null]), default: .null, doc: "random records per neuron to split (default: as many as every file holds)"),
      Param("perSplit", .oneOf([.int, .null]), default: .null, doc: "records per split (default: min(k/4, random/3))"),
    ]
  }
  let summary = "neuron-explainer NeuronRecord files (a file or a folder of {layer}/{neuron}.json) as a neuron set, split as topk does"
  let example = "top = neuronRecords(\"collated-activations\") |> neurons(layer: 21)"
  let fileParams = ["path"]
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .neuronSet }

  func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String] {
    try NeuronRecordsOp.jsonFiles(try args.string("path"), ctx)
  }

  /// The `.json` files `written` names: itself, or every one below it (hidden names skipped),
  /// in path order.
  static func jsonFiles(_ written: String, _ ctx: PlanContext) throws -> [String] {
    let path = ctx.resolve(written)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw UserError(
        "neuronRecords: no such file or folder '\(TerminalText.visible(written))'" + (written == path ? "" : " (looked for \(path))"))
    }
    guard isDirectory.boolValue else { return [path] }
    guard let walker = FileManager.default.enumerator(atPath: path) else {
      throw UserError("neuronRecords: cannot read the folder '\(TerminalText.visible(written))'")
    }
    var found: [String] = []
    while let relative = walker.nextObject() as? String {
      let name = (relative as NSString).lastPathComponent
      if name.hasPrefix(".") {
        walker.skipDescendants()
        continue
      }
      if name.lowercased().hasSuffix(".json"), case let full = path + "/" + relative, CorpusReader.isRegularFile(full) {
        found.append(full)
      }
    }
    guard !found.isEmpty else {
      throw UserError("neuronRecords: the folder '\(TerminalText.visible(written))' holds no .json files")
    }
    return found.sorted()
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let written = try args.string("path")
    let files = try NeuronRecordsOp.jsonFiles(written, ctx.plan)
    let base = ctx.plan.resolve(written)
    // Files are named relative to the folder given (`21/2932.json`), or by the path as written.
    func shown(_ file: String) -> String {
      TerminalText.visible(file.hasPrefix(base + "/") ? String(file.dropFirst(base.count + 1)) : written)
    }
    var records: [(record: NeuronRecord, file: String)] = []
    var seen: [NeuronID: String] = [:]
    for file in files {
      try Cancellation.check()
      guard let data = FileManager.default.contents(atPath: file) else {
        throw UserError("neuronRecords: cannot read '\(shown(file))' (permission denied?)")
      }
      let record: NeuronRecord
      do {
        record = try NeuronExplainerFormat.decode(data, source: shown(file))
      } catch let e as NeuronExplainerFormat.FormatError {
        throw UserError("neuronRecords: \(e.description)")
      }
      if let other = seen[record.id] {
        throw UserError("neuronRecords: \(other) and \(shown(file)) both hold neuron \(record.id)")
      }
      seen[record.id] = shown(file)
      records.append((record, shown(file)))
    }
    let tokensPerExcerpt = try NeuronRecordsOp.commonLength(records)
    try NeuronRecordsOp.checkBoundaries(records)
    let options = try NeuronRecordsOp.options(args, records)
    records.sort { ($0.record.id.layer, $0.record.id.index) < ($1.record.id.layer, $1.record.id.index) }
    return .object(
      NeuronSet(
        neuronExplainer: records.map(\.record), options: options, tokensPerExcerpt: tokensPerExcerpt,
        origin: "neuron-explainer records '\(TerminalText.visible(written))'"))
  }

  /// The one excerpt length of every record; files that mix lengths come from different
  /// tokenisations (or windowings) and cannot share a neuron set.
  static func commonLength(_ records: [(record: NeuronRecord, file: String)]) throws -> Int {
    var first: (length: Int, place: String)?
    for (r, file) in records {
      let lists: [(String, [ActivationRecord])] =
        [("most_positive_activation_records", r.mostPositiveActivationRecords), ("random_sample", r.randomSample)]
        + r.randomSampleByQuantile.enumerated().map { ("random_sample_by_quantile[\($0)]", $1) }
      for (field, list) in lists {
        for (i, a) in list.enumerated() {
          let place = "\(file) `\(field)[\(i)]`"
          guard let f = first else {
            first = (a.tokens.count, place)
            continue
          }
          guard a.tokens.count == f.length else {
            throw UserError(
              "neuronRecords: \(place) has \(a.tokens.count) tokens but \(f.place) has \(f.length): the records mix excerpt lengths "
                + "(different tokenisations?), and a neuron set needs one length; load them separately")
          }
        }
      }
    }
    guard let first else { throw UserError("neuronRecords: the files hold no activation records") }
    return first.length
  }

  /// Every neuron's statistics are stored side by side, so the files must agree on how many
  /// quantile boundaries they give.
  static func checkBoundaries(_ records: [(record: NeuronRecord, file: String)]) throws {
    guard let first = records.first else { return }
    let count = first.record.quantileBoundaries.count
    if let odd = records.first(where: { $0.record.quantileBoundaries.count != count }) {
      throw UserError(
        "neuronRecords: \(odd.file) has \(odd.record.quantileBoundaries.count) `quantile_boundaries` but \(first.file) has \(count)")
    }
  }

  /// `k` and `random` default to the fewest records any file holds; a larger explicit value
  /// names the file that falls short.
  static func options(_ args: Arguments, _ records: [(record: NeuronRecord, file: String)]) throws -> SplitOptions {
    let fewestTop = records.min { $0.record.mostPositiveActivationRecords.count < $1.record.mostPositiveActivationRecords.count }!
    let fewestRandom = records.min { $0.record.randomSample.count < $1.record.randomSample.count }!
    let keptTop = fewestTop.record.mostPositiveActivationRecords.count
    let keptRandom = fewestRandom.record.randomSample.count
    let k = try args.optionalInt("k") ?? keptTop
    let random = try args.optionalInt("random") ?? keptRandom
    if k > keptTop {
      throw UserError(
        "neuronRecords: k is \(k) but \(fewestTop.file) has only \(keptTop) `most_positive_activation_records`; use k: \(keptTop) or less")
    }
    if random > keptRandom {
      throw UserError(
        "neuronRecords: random is \(random) but \(fewestRandom.file) has only \(keptRandom) `random_sample` records; "
          + "use random: \(keptRandom) or less")
    }
    if k < 4 {
      throw UserError(
        "neuronRecords: \(k) top records per neuron cannot fill the 4 splits (train, calibration, valid, test); "
          + "\(fewestTop.file) has \(keptTop) `most_positive_activation_records`")
    }
    // 1 or 2 random records cannot go one to each of three splits; leave them out.
    let usable = args["random"].isNone && random < 3 ? 0 : random
    do {
      return try SplitOptions(k: k, random: usable, perSplit: try args.optionalInt("perSplit"), keptTop: keptTop, keptRandom: keptRandom)
    } catch let e as UserError {
      // SplitOptions speaks of topk; the same rule applies here.
      throw UserError(e.message.replacingOccurrences(of: "topk:", with: "neuronRecords:"))
    }
  }
}
