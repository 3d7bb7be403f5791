import Foundation
import NxpCore
import NxpInterp
import NxpModels

/// A token of a related-token list: its id, how the tokenizer displays it, and its strength.
public struct RelatedToken: Hashable, Codable, Sendable {
  public var id: Int32
  public var token: String
  public var strength: Float
  /// SwiGLU input tokens: the strength into the up projection (see `WeightRelations`).
  public var up: Float?
}

/// A token with the neuron's mean activation on it over the neuron's records.
public struct ActivationToken: Hashable, Codable, Sendable {
  public var token: String
  public var meanActivation: Double
}

/// One neuron's related neurons and tokens, as the neuron viewer shows them.
public struct RelatedEntry: Hashable, Codable, Sendable {
  public var layer: Int
  public var neuron: Int
  /// nil in layer 0 (no earlier layer), never an empty list.
  public var upstream: Ranked<WeightedNeuron>?
  /// nil in the last layer.
  public var downstream: Ranked<WeightedNeuron>?
  public var inputTokens: Ranked<RelatedToken>
  public var outputTokens: Ranked<RelatedToken>
  /// Tokens by mean activation over the neuron's records; nil when no records were given.
  public var activationTokens: [ActivationToken]?

  public var id: NeuronID { NeuronID(layer: layer, index: neuron) }
}

/// What `related` returns: per neuron, weight-based upstream and downstream neurons, input and
/// output tokens, and (given records) the tokens with the highest mean activation.
public final class Related: RuntimeObject {
  public struct Payload: Codable, Sendable {
    public var model: String
    /// The input projection the weights go through: "c_fc" (GPT-2) or "gate" (SwiGLU, with up
    /// beside each entry).
    public var inputProjection: String
    /// Entries kept per list: neurons, tokens.
    public var top: Int
    public var tokens: Int
    public var neurons: [RelatedEntry]
  }
  public let payload: Payload
  public init(payload: Payload) { self.payload = payload }
  public var entries: [RelatedEntry] { payload.neurons }

  public static let typeName = "Related"

  public var summary: String {
    let n = entries.count
    return
      "Related: \(n) neuron\(n == 1 ? "" : "s") of \(payload.model) by weights through \(payload.inputProjection == "gate" ? "the gate (up weights in table(x))" : "c_fc"), top \(payload.top) neurons and \(payload.tokens) tokens each way"
  }

  public func render(_ style: RenderStyle) -> String {
    var out = summary + "\n"
    for entry in entries.prefix(max(1, style.maxRows)) { out += "\n" + Related.render(entry, width: style.width) }
    if entries.count > style.maxRows { out += "\n... \(entries.count - style.maxRows) more neurons (table(x) lists every entry)\n" }
    return out
  }

  /// A neuron's block: one line per list, as many entries as fit the width, strongest first.
  static func render(_ e: RelatedEntry, width: Int) -> String {
    let label = 12
    func line(_ name: String, _ sign: String, _ items: [String]) -> String {
      var text = "  " + name.padding(toLength: label, withPad: " ", startingAt: 0) + sign + " "
      if items.isEmpty { return text + "none\n" }
      var shown = 0
      for item in items {
        let separator = shown == 0 ? "" : "  "
        let room = width - text.count - (shown + 1 < items.count ? 3 : 0)
        guard separator.count + item.count <= room else { break }
        text += separator + item
        shown += 1
      }
      if shown < items.count { text += shown == 0 ? "…" : "  …" }
      return text + "\n"
    }
    func number(_ x: Float) -> String { String(format: "%.4f", x) }
    func token(_ t: String) -> String { "\"" + Table.visible(t).replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    func neurons(_ name: String, _ r: Ranked<WeightedNeuron>?, none: String) -> String {
      guard let r else { return "  " + name.padding(toLength: label, withPad: " ", startingAt: 0) + "  none (\(none))\n" }
      return line(name, "+", r.positive.map { "\($0.layer):\($0.neuron) \(number($0.weight))" })
        + line("", "-", r.negative.map { "\($0.layer):\($0.neuron) \(number($0.weight))" })
    }
    func tokens(_ name: String, _ r: Ranked<RelatedToken>) -> String {
      line(name, "+", r.positive.map { "\(token($0.token)) \(number($0.strength))" })
        + line("", "-", r.negative.map { "\(token($0.token)) \(number($0.strength))" })
    }
    var out = "\(e.id)\n"
    out += neurons("upstream", e.upstream, none: "layer 0 has no earlier layer")
    out += neurons("downstream", e.downstream, none: "the last layer has no later one")
    out += tokens("input", e.inputTokens)
    out += tokens("output", e.outputTokens)
    if let a = e.activationTokens {
      out += line("activation", " ", a.map { "\(token($0.token)) \(String(format: "%.4f", $0.meanActivation))" })
    }
    return out
  }
}

extension Related: JSONCacheable, Tabular, Sliceable, NeuronIndexable, JSONLinesExportable {
  public static let typeTag = "related"
  public static let neuronItemType = ValueType.related
  public var itemCount: Int { entries.count }

  public func slice(_ range: Range<Int>) -> RuntimeObject {
    var p = payload
    p.neurons = Array(entries[range])
    return Related(payload: p)
  }

  public func neuron(_ id: NeuronID) throws -> RuntimeObject {
    guard let i = entries.firstIndex(where: { $0.id == id }) else {
      var message = "neuron \(id) is not among the \(entries.count) related here"
      if entries.count <= 8 { message += " (\(entries.map(\.id.description).joined(separator: ", ")))" }
      throw UserError(message)
    }
    return slice(i..<(i + 1))
  }

  /// One row per list entry: `relation` is upstream, downstream, input token, output token or
  /// activation token; `weight` the connection weight, token strength or mean activation; `up`
  /// (SwiGLU) the weight into the up projection.
  public func asTable() -> Table {
    let swiGLU = payload.inputProjection == "gate"
    var columns: [Table.Column] = [
      .init("layer", .int), .init("neuron", .int), .init("relation", .string), .init("sign", .string), .init("rank", .int),
      .init("related", .string), .init("weight", .float),
    ]
    if swiGLU { columns.append(.init("up", .float)) }
    var rows: [[Value]] = []
    func add(_ e: RelatedEntry, _ relation: String, _ sign: String, _ items: [(String, Double, Float?)]) {
      for (rank, item) in items.enumerated() {
        var row: [Value] = [
          .int(e.layer), .int(e.neuron), .string(relation), .string(sign), .int(rank + 1), .string(item.0), .float(item.1),
        ]
        if swiGLU { row.append(item.2.map { .float(Double($0)) } ?? .null) }
        rows.append(row)
      }
    }
    for e in entries {
      for (relation, list) in [("upstream", e.upstream), ("downstream", e.downstream)] {
        guard let list else { continue }
        add(e, relation, "+", list.positive.map { ("\($0.layer):\($0.neuron)", Double($0.weight), $0.up) })
        add(e, relation, "-", list.negative.map { ("\($0.layer):\($0.neuron)", Double($0.weight), $0.up) })
      }
      for (relation, list) in [("input token", e.inputTokens), ("output token", e.outputTokens)] {
        add(e, relation, "+", list.positive.map { ($0.token, Double($0.strength), $0.up) })
        add(e, relation, "-", list.negative.map { ($0.token, Double($0.strength), $0.up) })
      }
      if let a = e.activationTokens { add(e, "activation token", "+", a.map { ($0.token, $0.meanActivation, nil) }) }
    }
    return Table(columns: columns, rows: rows)
  }

  /// One JSON object per neuron in the shape of the neuron viewer's files (Bills et al. 2023):
  /// `related_neurons` {upstream, downstream} with `top_positive_neurons` / `_weights` and the
  /// negative ones (null where a direction does not exist), `related_tokens` {input_positive,
  /// input_negative, output_positive, output_negative} of {tokens, token_ids, strengths}, and
  /// `activation_tokens` {tokens, average_activations} (null without records). Neurons are
  /// written `layer:index`; SwiGLU entries add `top_positive_up_weights` / `up_strengths`.
  public func jsonLines() throws -> Data {
    func number(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
    func neurons(_ r: Ranked<WeightedNeuron>?) -> Any {
      guard let r else { return NSNull() }
      var o: [String: Any] = [:]
      for (sign, list) in [("positive", r.positive), ("negative", r.negative)] {
        o["top_\(sign)_neurons"] = list.map { "\($0.layer):\($0.neuron)" }
        o["top_\(sign)_weights"] = list.map { number($0.weight) }
        if payload.inputProjection == "gate" { o["top_\(sign)_up_weights"] = list.map { number($0.up ?? 0) } }
      }
      return o
    }
    func tokens(_ list: [RelatedToken]) -> [String: Any] {
      var o: [String: Any] = [
        "tokens": list.map(\.token), "token_ids": list.map { Int($0.id) }, "strengths": list.map { number($0.strength) },
      ]
      if list.contains(where: { $0.up != nil }) { o["up_strengths"] = list.map { number($0.up ?? 0) } }
      return o
    }
    var out = Data()
    for e in entries {
      let object: [String: Any] = [
        "layer": e.layer, "neuron": e.neuron, "model": payload.model, "input_projection": payload.inputProjection,
        "related_neurons": ["upstream": neurons(e.upstream), "downstream": neurons(e.downstream)],
        "related_tokens": [
          "input_positive": tokens(e.inputTokens.positive), "input_negative": tokens(e.inputTokens.negative),
          "output_positive": tokens(e.outputTokens.positive), "output_negative": tokens(e.outputTokens.negative),
        ],
        "activation_tokens": e.activationTokens.map {
          ["tokens": $0.map(\.token), "average_activations": $0.map(\.meanActivation)] as Any
        } ?? NSNull(),
      ]
      out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
      out.append(UInt8(ascii: "\n"))
    }
    return out
  }
}

extension ValueType {
  public static var related: ValueType { .object(ObjectType(Related.self)) }
}
