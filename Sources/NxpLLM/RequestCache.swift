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
    if let store, let data = store.load(key: k), let answer = try? JSONDecoder().decode(A.self, from: data) {
      ledger.answeredFromCache()
      return answer
    }
    let start = Date()
    let answer: A
    do {
      answer = try ask()
    } catch {
      ledger.failed()
      throw error
    }
    ledger.answered(Self.usage(of: answer), seconds: Date().timeIntervalSince(start))
    if let store {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      try store.store(key: k, data: try encoder.encode(answer))
    }
    return answer
  }

  private static func usage<A>(of answer: A) -> Usage {
    if let c = answer as? Completion { return c.usage }
    if let p = answer as? PromptScoring { return p.usage }
    return Usage()
  }
}
