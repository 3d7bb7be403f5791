import Foundation
import NxpCore
import NxpLLM

enum OpenAIBackends {
  static func make(_ spec: LLMSpec, _ ctx: RunContext, ledger: Ledger) throws -> LLMBackend {
    throw UserError("the openai backend is not available in this build")
  }
}
