import Foundation

/// Prices per million tokens, as a user gives them (`prices: {input: 0.15, output: 0.6}`).
public struct Prices: Hashable, Codable, Sendable {
  public var inputPerMillion: Double
  public var outputPerMillion: Double

  public init(inputPerMillion: Double, outputPerMillion: Double) {
    self.inputPerMillion = inputPerMillion
    self.outputPerMillion = outputPerMillion
  }

  public func cost(_ usage: Usage) -> Double {
    (Double(usage.promptTokens) * inputPerMillion + Double(usage.completionTokens) * outputPerMillion) / 1_000_000
  }
}

/// Counts what requests cost: sent, answered from the request cache, retried, failed, tokens in
/// and out, and money when prices are known. Thread-safe; one per backend per run.
public final class Ledger: @unchecked Sendable {
  public struct Totals: Hashable, Codable, Sendable {
    public var requests = 0
    public var cached = 0
    public var retries = 0
    public var failures = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// nil when no prices were given.
    public var cost: Double?
    public var seconds = 0.0

    public init() {}

    public static func + (a: Totals, b: Totals) -> Totals {
      var t = Totals()
      t.requests = a.requests + b.requests
      t.cached = a.cached + b.cached
      t.retries = a.retries + b.retries
      t.failures = a.failures + b.failures
      t.promptTokens = a.promptTokens + b.promptTokens
      t.completionTokens = a.completionTokens + b.completionTokens
      t.cost = a.cost.map { $0 + (b.cost ?? 0) } ?? b.cost
      t.seconds = a.seconds + b.seconds
      return t
    }

    /// What was spent between two snapshots of the same ledger.
    public static func - (a: Totals, b: Totals) -> Totals {
      var t = Totals()
      t.requests = a.requests - b.requests
      t.cached = a.cached - b.cached
      t.retries = a.retries - b.retries
      t.failures = a.failures - b.failures
      t.promptTokens = a.promptTokens - b.promptTokens
      t.completionTokens = a.completionTokens - b.completionTokens
      t.cost = a.cost.map { $0 - (b.cost ?? 0) }
      t.seconds = a.seconds - b.seconds
      return t
    }

    /// `12 requests (3 from cache, 1 retry), 4,210 tokens in, 96 out, $0.0012, 3.4 s`.
    public var summary: String {
      var parts = ["\(requests) request\(requests == 1 ? "" : "s")"]
      var extra: [String] = []
      if cached > 0 { extra.append("\(cached) from cache") }
      if retries > 0 { extra.append("\(retries) retr\(retries == 1 ? "y" : "ies")") }
      if failures > 0 { extra.append("\(failures) failed") }
      if !extra.isEmpty { parts[0] += " (" + extra.joined(separator: ", ") + ")" }
      parts.append("\(promptTokens) tokens in, \(completionTokens) out")
      if let cost { parts.append(String(format: "$%.4f", cost)) }
      parts.append(String(format: "%.1f s", seconds))
      return parts.joined(separator: ", ")
    }
  }

  private let lock = NSLock()
  private var totals = Totals()
  public let prices: Prices?

  public init(prices: Prices? = nil) {
    self.prices = prices
    if prices != nil { totals.cost = 0 }
  }

  public var snapshot: Totals {
    lock.lock()
    defer { lock.unlock() }
    return totals
  }

  /// A request answered by the model (not from the cache).
  public func answered(_ usage: Usage, seconds: Double) {
    lock.lock()
    totals.requests += 1
    totals.promptTokens += usage.promptTokens
    totals.completionTokens += usage.completionTokens
    if let prices { totals.cost = (totals.cost ?? 0) + prices.cost(usage) }
    totals.seconds += seconds
    lock.unlock()
  }

  public func answeredFromCache() {
    lock.lock()
    totals.cached += 1
    lock.unlock()
  }

  public func retried() {
    lock.lock()
    totals.retries += 1
    lock.unlock()
  }

  public func failed() {
    lock.lock()
    totals.failures += 1
    lock.unlock()
  }
}
