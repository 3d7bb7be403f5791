import Foundation
import NxpCore

/// Where answered requests are kept, by the hash of everything that changes the answer. The
/// runtime keeps them in the cache folder, so a shared script re-runs offline and a killed run
/// resumes without sending answered requests again.
public protocol RequestStore: AnyObject, Sendable {
  /// The stored answer, or nil. An entry that fails its checksum is nil (and is sent again).
  func load(key: String) -> Data?
  /// Stores an answer atomically: a kill during the write leaves no entry.
  func store(key: String, data: Data) throws
}

/// A request store in a folder: one file per answer, `ab/abcdef....json`, each ending in a line
/// with the XXH64 of the bytes before it.
public final class DirectoryRequestStore: RequestStore, @unchecked Sendable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  private func path(_ key: String) -> String { "\(directory)/\(key.prefix(2))/\(key).json" }

  public func load(key: String) -> Data? {
    guard let data = FileManager.default.contents(atPath: path(key)) else { return nil }
    guard let newline = data.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
    let body = data[data.startIndex..<newline]
    let trailer = String(decoding: data[(newline + 1)...], as: UTF8.self)
    guard trailer == XXH64.hex(XXH64.hash(Data(body))) else { return nil }
    return Data(body)
  }

  public func store(key: String, data: Data) throws {
    let p = path(key)
    try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    var out = data
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: Array(XXH64.hex(XXH64.hash(data)).utf8))
    try AtomicFile.write(out, to: p)
  }
}

extension DirectoryRequestStore {
  /// What the store holds: answers and their bytes.
  public struct Usage: Equatable, Sendable {
    public var answers = 0
    public var bytes: Int64 = 0
  }

  /// Paths of the stored answers (`ab/<64 hex>.json`); a write in progress (a `.tmp-` file) is
  /// not one.
  private func answerPaths() -> [String] {
    let fm = FileManager.default
    guard let shards = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
    var out: [String] = []
    for shard in shards.sorted() where shard.count == 2 {
      let dir = directory + "/" + shard
      for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
        out.append(dir + "/" + name)
      }
    }
    return out
  }

  private static func size(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
  }

  public func usage() -> Usage {
    answerPaths().reduce(into: Usage()) {
      $0.answers += 1
      $0.bytes += Self.size($1)
    }
  }

  /// Reads every answer against its checksum and removes those that fail (they are asked again
  /// when needed). Returns how many were checked and the keys removed.
  public func verifyAll() -> (checked: Int, removed: [String]) {
    var removed: [String] = []
    let paths = answerPaths()
    for path in paths {
      let key = String((path as NSString).lastPathComponent.dropLast(".json".count))
      if load(key: key) == nil, FileManager.default.fileExists(atPath: path) {
        try? FileManager.default.removeItem(atPath: path)
        removed.append(key)
      }
    }
    return (paths.count, removed)
  }

  /// Removes every stored answer.
  @discardableResult
  public func removeAll() -> Usage {
    var freed = Usage()
    for path in answerPaths() {
      let bytes = Self.size(path)
      if (try? FileManager.default.removeItem(atPath: path)) != nil {
        freed.answers += 1
        freed.bytes += bytes
      }
    }
    return freed
  }
}

/// Answers from the store when it has them, otherwise from the backend (then stores the answer).
/// The key hashes the backend's identity, the kind of request and the whole request; nothing
/// secret is in any of them.
public final class CachingBackend: LLMBackend, @unchecked Sendable {
  public let base: LLMBackend
  public let store: RequestStore?
  public let ledger: Ledger

  public init(_ base: LLMBackend, store: RequestStore?, ledger: Ledger) {
    self.base = base
    self.store = store
    self.ledger = ledger
  }

  public var identity: BackendIdentity { base.identity }
  public var concurrency: Int { base.concurrency }
  public func capabilities() throws -> BackendCapabilities { try base.capabilities() }

  public func generate(_ request: GenerationRequest) throws -> Completion {
    try cached("generate", request) { try base.generate(request) }
  }

  public func scorePrompt(_ request: PromptScoringRequest) throws -> PromptScoring {
    try cached("score-prompt", request) { try base.scorePrompt(request) }
  }

  public var promptBatch: Int { base.promptBatch }

  /// Answers what the store has; the rest go to the backend together, each stored as it would
  /// be alone (the same key as `scorePrompt`'s), so batched and single runs share answers.
  public func scorePrompts(_ requests: [PromptScoringRequest]) throws -> [PromptScoring] {
    guard requests.count > 1 else { return try requests.map(scorePrompt) }
    let keys = try requests.map { try key("score-prompt", $0) }
    var answers: [PromptScoring?] = keys.map { stored($0) }
    let missing = answers.indices.filter { answers[$0] == nil }
    guard !missing.isEmpty else { return answers.map { $0! } }
    let start = Date()
    let fresh: [PromptScoring]
    do {
      fresh = try base.scorePrompts(missing.map { requests[$0] })
    } catch {
      ledger.failed()
      throw error
    }
    let seconds = Date().timeIntervalSince(start) / Double(missing.count)
    for (i, answer) in zip(missing, fresh) {
      ledger.answered(answer.usage, seconds: seconds)
      try save(answer, key: keys[i])
      answers[i] = answer
    }
    return answers.map { $0! }
  }

  /// The cache key of a request: SHA-256 of the canonical JSON of (format, identity, kind, request).
  public func key<R: Encodable>(_ kind: String, _ request: R) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return ContentHash.hex(try encoder.encode(Keyed(backend: identity, kind: kind, request: request)))
  }

  private struct Keyed<R: Encodable>: Encodable {
    var format = "nxp-request/1"
    var backend: BackendIdentity
    var kind: String
    var request: R
  }

  private func cached<R: Encodable, A: Codable>(_ kind: String, _ request: R, _ ask: () throws -> A) throws -> A {
    let k = try key(kind, request)
    if let answer: A = stored(k) { return answer }
    let start = Date()
    let answer: A
    do {
      answer = try ask()
    } catch {
      ledger.failed()
      throw error
    }
    ledger.answered(Self.usage(of: answer), seconds: Date().timeIntervalSince(start))
    try save(answer, key: k)
    return answer
  }

  /// The stored answer to a key (counted in the ledger), or nil when there is none readable.
  private func stored<A: Decodable>(_ key: String) -> A? {
    guard let store, let data = store.load(key: key), let answer = try? JSONDecoder().decode(A.self, from: data) else { return nil }
    ledger.answeredFromCache()
    return answer
  }

  private func save<A: Encodable>(_ answer: A, key: String) throws {
    guard let store else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try store.store(key: key, data: try encoder.encode(answer))
  }

  private static func usage<A>(of answer: A) -> Usage {
    if let c = answer as? Completion { return c.usage }
    if let p = answer as? PromptScoring { return p.usage }
    return Usage()
  }
}
