import Foundation
import NxpCore
import NxpInterp
import NxpLLM

/// `judge(expl, top, by: "local", method: "detection", batch: 5, seed: 0)`: each explanation
/// scored by how well a judge model, reading it, tells the neuron's excerpts apart (detection:
/// which excerpts the neuron fires in; fuzzing: which excerpts have their firing tokens marked
/// rather than random ones), as balanced accuracy, after EleutherAI's delphi.
///
/// Per neuron, the judged explanation is its first one that has text (sample 0 unless that one
/// failed); a neuron without any is listed with undefined scores. The excerpts:
/// - Activating: the neuron's top records of the valid and test splits (nxp's stand-in for
///   delphi's quantile samples) whose peak is at least `quietFraction` (10%) of the neuron's
///   max activation (its recorded max; the records' max when that is not positive). A top record
///   below that is skipped and counted.
/// - Non-activating: its random records of the same splits whose every activation is below 10%
///   of that max (level 0 on OpenAI's 0-10 scale), at most as many as there are activating ones.
///   When there are fewer, the other neurons' valid and test top records fill up to that many,
///   taken from the next neuron on (cyclically), leaving out excerpts among this neuron's own
///   records; the neuron's activations on them are unknown, taken as all 0 (delphi's
///   "neighbours" negatives make the same assumption).
/// - Detection asks about each excerpt whole. Fuzzing shows each activating excerpt with its
///   firing tokens marked and again with as many random non-firing tokens marked, and each
///   non-activating excerpt with random marks on any of its tokens (its activations taken as 0,
///   as delphi does; `FuzzingPrompt.examples` with the seed); what it cannot show is counted as
///   skipped.
///
/// The excerpts are shuffled with the seed and cut into batches of `batch`
/// (`ClassificationBatching`); each batch is one chat request at temperature 0 through the
/// session's request cache. A reply without a readable 0/1 list of the batch's length counts as
/// one failure per excerpt and is left out of every score, never read as "no". A request that
/// fails outright (a server error after its retries) stops the run; answered batches stay cached,
/// so running again resumes.
final class JudgeOp: Primitive {
  let name = "judge"
  /// The prompts' versions and the selection rule's: a change gives new scores.
  var version: Int { 10_000 * JudgeOp.selectionVersion + 100 * DetectionPrompt.version + FuzzingPrompt.version }
  static let selectionVersion = 1
  /// Below this fraction of the neuron's max activation an excerpt is quiet; a top record must
  /// reach it to count as activating.
  static let quietFraction: Float = 0.1

  var params: [Param] {
    [
      Param("explanations", .explanations, positional: true, doc: "what explain or explanation returned"),
      Param("neurons", .neuronSet, positional: true, doc: "the same neurons with their records"),
      Param("by", .backend, default: .string("local"), doc: "the judge: \"local\", \"openai:MODEL\" or llm(...)"),
      Param("method", .string, default: .string("detection"), doc: "\"detection\" (whole excerpts) or \"fuzzing\" (marked tokens)"),
      Param("batch", .int, default: .int(5), doc: "excerpts per request"),
      Param("seed", .int, default: .int(0), doc: "shuffles the excerpts into batches and draws the fuzzed marks"),
    ]
  }
  let summary =
    "balanced accuracy of a judge model telling each neuron's activating excerpts from quiet ones (detection) or its firing tokens from random ones (fuzzing), given the explanation"
  let example = "show judge(expl, top, by: \"local\", method: \"detection\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .judgeScores }
  func environmentKey(_ args: Arguments, _ ctx: PlanContext) throws -> [String: String] { try Backends.environmentKey(args, ctx) }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let explanations = try args.object("explanations", Explanations.self)
    let set = try args.object("neurons", NeuronSet.self)
    let spec = try Backends.spec(args["by"], ctx.plan)
    guard spec.kind != "baseline" else {
      throw UserError("judge: the baseline cannot judge explanations; judge with a language model (\"local\" or \"openai:MODEL\")")
    }
    let m = try args.string("method")
    guard let method = JudgeMethod(rawValue: m) else { throw UserError("judge: unknown method \"\(m)\"; use \"detection\" or \"fuzzing\"") }
    let batch = try args.positiveInt("batch")
    guard batch <= 50 else { throw UserError("judge: `batch:` of \(batch) is more than 50 excerpts per request") }
    let seed = try args.nonNegativeInt("seed")
    var position: [NeuronID: Int] = [:]
    for (i, id) in set.neurons.enumerated() { position[id] = i }
    for id in explanations.neurons where position[id] == nil {
      throw UserError("judge: neuron \(id) has an explanation but is not among the \(set.neurons.count) neurons given")
    }
    guard let session = try Backends.make(spec, ctx) else { throw InternalError("no backend for \(spec)") }
    let before = session.ledger.snapshot
    let tasks = JudgeOp.tasks(explanations: explanations, set: set, method: method, batch: batch, seed: UInt64(seed))
    let progress = ctx.reporter.progress("judge", total: tasks.reduce(0) { $0 + $1.batches.count }, unit: "batches")
    defer { progress.finish() }
    var payload = try JudgeOp.judge(
      tasks, backend: session.backend, method: method, maxTokens: spec.maxTokens, advance: { progress.advance(by: 1) })
    payload.batchSize = batch
    payload.seed = UInt64(seed)
    let totals = session.ledger.snapshot - before
    payload.ledger = totals
    ctx.reporter.note("judge: \(session.backend.identity), \(method.rawValue): \(totals.summary)")
    return .object(JudgeScores(payload: payload))
  }

  // MARK: Selection

  /// One excerpt to ask about: what the judge reads (for detection nothing is marked), whether
  /// the right answer is yes, and where it came from.
  struct Item: Hashable {
    var excerpt: HighlightedExcerpt
    var actual: Bool
    var group: String
    var record: Int
  }

  /// One neuron's excerpts and batches (indices into `items`).
  struct Task {
    var id: NeuronID
    var sample: Int
    var explanation: String?
    var items: [Item]
    var skipped: Int
    var batches: [[Int]]
  }

  /// The neuron's records that the judge reads, by the rules above, before they are shuffled.
  static func items(set: NeuronSet, position p: Int, method: JudgeMethod, seed: UInt64) -> (items: [Item], skipped: Int) {
    let s = set.splits(at: p)
    var top: [ActivationRecord] = []
    var random: [ActivationRecord] = []
    for split in [2, 3] {
      let records = s.named[split].records
      let tops = set.topCount(at: p, split: split)
      top += records.prefix(tops)
      random += records.dropFirst(tops)
    }
    let recordedMax = s.stats.maxActivation
    let peak = (recordedMax > 0 && recordedMax.isFinite) ? recordedMax : (top.flatMap(\.activations).max() ?? 0)
    let threshold = peak * quietFraction
    func peakOf(_ r: ActivationRecord) -> Float { r.activations.max() ?? 0 }
    guard peak > 0, peak.isFinite else { return ([], top.count) }
    let activating = top.filter { peakOf($0) >= threshold }
    var skipped = top.count - activating.count
    var negatives: [(record: ActivationRecord, group: String)] = random.filter { peakOf($0) < threshold }.prefix(activating.count).map {
      ($0, "random")
    }
    if negatives.count < activating.count && set.neurons.count > 1 {
      let own = Set(s.named.flatMap { $0.records.map(\.excerpt) })
      var seen = own
      outer: for k in 1..<set.neurons.count {
        let q = (p + k) % set.neurons.count
        let other = set.splits(at: q)
        for split in [2, 3] {
          let tops = set.topCount(at: q, split: split)
          for r in other.named[split].records.prefix(tops) where seen.insert(r.excerpt).inserted {
            negatives.append((ActivationRecord(tokens: r.tokens, activations: r.activations.map { _ in 0 }, excerpt: r.excerpt), "other"))
            if negatives.count == activating.count { break outer }
          }
        }
      }
    }
    switch method {
    case .detection:
      let positives = activating.map { r in
        Item(
          excerpt: HighlightedExcerpt(tokens: r.tokens, highlighted: r.tokens.map { _ in false }), actual: true, group: "top",
          record: r.excerpt)
      }
      let quiet = negatives.map { n in
        Item(
          excerpt: HighlightedExcerpt(tokens: n.record.tokens, highlighted: n.record.tokens.map { _ in false }), actual: false,
          group: n.group,
          record: n.record.excerpt)
      }
      return (positives + quiet, skipped)
    case .fuzzing:
      // A quiet record has no firing token by the neuron's scale, so any of its tokens may be
      // marked: its activations are taken as 0 (the prompt's rule scales by each excerpt's own
      // peak, which would make a quiet excerpt's largest tokens fire).
      let quiet = negatives.map {
        ActivationRecord(tokens: $0.record.tokens, activations: $0.record.activations.map { _ in 0 }, excerpt: $0.record.excerpt)
      }
      let (examples, skips) = FuzzingPrompt.examples(activating: activating, nonActivating: quiet, seed: seed)
      skipped += skips.count
      let items = examples.map { e -> Item in
        switch e.source {
        case .activating(let i): return Item(excerpt: e.excerpt, actual: e.isCorrect, group: "top", record: activating[i].excerpt)
        case .nonActivating(let i):
          return Item(excerpt: e.excerpt, actual: e.isCorrect, group: negatives[i].group, record: negatives[i].record.excerpt)
        }
      }
      return (items, skipped)
    }
  }

  /// Every neuron's task: its first explanation with text, its excerpts and their batches.
  static func tasks(explanations: Explanations, set: NeuronSet, method: JudgeMethod, batch: Int, seed: UInt64) -> [Task] {
    var position: [NeuronID: Int] = [:]
    for (i, id) in set.neurons.enumerated() { position[id] = i }
    var out: [Task] = []
    for id in explanations.neurons {
      guard let p = position[id] else { continue }
      let entries = explanations.entries.filter { $0.id == id }.sorted { $0.sample < $1.sample }
      guard let chosen = entries.first(where: { $0.text != nil }), let text = chosen.text else {
        out.append(Task(id: id, sample: 0, explanation: nil, items: [], skipped: 0, batches: []))
        continue
      }
      let (items, skipped) = self.items(set: set, position: p, method: method, seed: seed)
      out.append(
        Task(
          id: id, sample: chosen.sample, explanation: text, items: items, skipped: skipped,
          batches: ClassificationBatching.batches(count: items.count, size: batch, seed: seed)))
    }
    return out
  }

  // MARK: Asking

  /// The chat messages that ask about one batch.
  static func messages(_ method: JudgeMethod, explanation: String, excerpts: [HighlightedExcerpt]) -> [ChatMessage] {
    switch method {
    case .detection: return DetectionPrompt.messages(explanation: explanation, excerpts: excerpts.map(\.tokens))
    case .fuzzing: return FuzzingPrompt.messages(explanation: explanation, excerpts: excerpts)
    }
  }

  /// The line the judge reads for an excerpt.
  static func line(_ method: JudgeMethod, _ e: HighlightedExcerpt) -> String {
    switch method {
    case .detection: return e.tokens.map(ActivationRenderer.visible).joined()
    case .fuzzing: return e.text
    }
  }

  /// Asks `backend` about every batch (in parallel up to its concurrency) and scores each
  /// neuron. The payload's batch size and seed are left for the caller to fill.
  static func judge(
    _ tasks: [Task], backend: LLMBackend, method: JudgeMethod, maxTokens: Int? = nil, advance: @escaping @Sendable () -> Void = {}
  ) throws -> JudgeScores.Payload {
    struct Job {
      var task: Int
      var batch: Int
    }
    let jobs = tasks.indices.flatMap { t in tasks[t].batches.indices.map { Job(task: t, batch: $0) } }
    let frozen = tasks
    let replies = try ParallelJobs.map(count: jobs.count, width: backend.concurrency) { j -> String? in
      let job = jobs[j]
      let task = frozen[job.task]
      guard let explanation = task.explanation else { return nil }
      let excerpts = task.batches[job.batch].map { task.items[$0].excerpt }
      let longest = maxTokens ?? (16 + 4 * excerpts.count)
      let request = GenerationRequest(
        prompt: ChatPrompt(messages(method, explanation: explanation, excerpts: excerpts)),
        sampling: Sampling(temperature: 0, maxTokens: longest))
      let label = "\(method.rawValue) \(task.id) batch \(job.batch + 1)"
      let reply = try RequestLabel.with(label) { try backend.generate(request) }.text
      advance()
      return reply
    }
    var rows: [JudgeRow] = []
    var judged: [JudgedExcerpt] = []
    var batches: [JudgedBatch] = []
    var j = 0
    for task in tasks {
      var score = ClassificationScore()
      for (b, members) in task.batches.enumerated() {
        let reply = replies[j] ?? ""
        j += 1
        let actual = members.map { task.items[$0].actual }
        let predicted = ClassificationReply.parse(reply, count: members.count)
        score.add(actual: actual, predicted: predicted)
        batches.append(JudgedBatch(layer: task.id.layer, neuron: task.id.index, batch: b, reply: reply, parsed: predicted != nil))
        for (k, i) in members.enumerated() {
          let item = task.items[i]
          judged.append(
            JudgedExcerpt(
              layer: task.id.layer, neuron: task.id.index, excerpt: item.record, group: item.group, text: line(method, item.excerpt),
              actual: item.actual, predicted: predicted?[k], batch: b))
        }
      }
      rows.append(JudgeRow(id: task.id, sample: task.sample, explanation: task.explanation, score: score, skipped: task.skipped))
    }
    return JudgeScores.Payload(
      method: method.rawValue, backend: backend.identity.description, batchSize: 0, seed: 0, rows: rows, excerpts: judged,
      batches: batches, ledger: nil)
  }
}

/// How the judge is asked.
enum JudgeMethod: String, CaseIterable, Sendable {
  case detection, fuzzing
}
