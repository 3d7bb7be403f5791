import Foundation
import Testing

@testable import NxpLLM

@Suite struct LedgerTests {
  @Test func totalsAddUpAndPriceTokens() {
    let ledger = Ledger(prices: Prices(inputPerMillion: 1, outputPerMillion: 4))
    ledger.answered(Usage(promptTokens: 1000, completionTokens: 10), seconds: 0.5)
    ledger.answered(Usage(promptTokens: 500, completionTokens: 20), seconds: 0.25)
    ledger.answeredFromCache()
    ledger.retried()
    let t = ledger.snapshot
    #expect(t.requests == 2 && t.cached == 1 && t.retries == 1)
    #expect(t.promptTokens == 1500 && t.completionTokens == 30)
    #expect(abs(t.cost! - (1500.0 * 1 + 30.0 * 4) / 1e6) < 1e-12)
    #expect(t.summary == "2 requests (1 from cache, 1 retry), 1500 tokens in, 30 out, $0.0016, 0.8 s")
  }

  @Test func noPricesMeansNoCost() {
    let ledger = Ledger()
    ledger.answered(Usage(promptTokens: 3, completionTokens: 1), seconds: 0)
    #expect(ledger.snapshot.cost == nil)
    #expect(!ledger.snapshot.summary.contains("$"))
  }
}
