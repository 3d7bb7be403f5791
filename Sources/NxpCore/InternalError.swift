/// A broken promise inside nxp (a bug), as opposed to a `UserError`, which tells the user what to
/// change. Its message says so and asks for a report.
public struct InternalError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String {
    "internal error: \(message). This is a bug in nxp; please report it with the script that caused it."
  }
}
