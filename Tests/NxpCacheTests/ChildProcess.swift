import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a test of this binary again in a separate process, so multi-process behaviour is tested
/// with the store's own code. The child is started with `NXP_CACHE_TEST_ROLE` set; the test body
/// sees it through `ChildProcess.role` and acts as the child instead of the parent.
struct ChildProcess {
  static let variable = "NXP_CACHE_TEST_ROLE"

  /// The role this process was started to play, or nil in the ordinary test run.
  static var role: [String: String]? {
    guard let text = ProcessInfo.processInfo.environment[variable] else { return nil }
    return try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
  }

  let process: Process
  let outputPath: String

  /// Starts this test binary running only `test` (a unique test function name) with `role`.
  init(test: String, role: [String: String], outputPath: String) throws {
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["--testing-library", "swift-testing", "--filter", test]
    var environment = ProcessInfo.processInfo.environment
    environment[Self.variable] = String(decoding: try JSONEncoder().encode(role), as: UTF8.self)
    process.environment = environment
    self.outputPath = outputPath
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    let output = FileHandle(forWritingAtPath: outputPath)
    process.standardOutput = output
    process.standardError = output
    try process.run()
  }

  var pid: Int32 { process.processIdentifier }

  /// Waits for the child and returns its output, failing the test when it did not exit cleanly.
  @discardableResult
  func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) -> String {
    process.waitUntilExit()
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    #expect(
      process.terminationReason == .exit && process.terminationStatus == 0,
      "child \(pid) failed:\n\(output)", sourceLocation: sourceLocation)
    return output
  }

  /// Kills the child with SIGKILL and waits for it; expects it was still running.
  func kill(sourceLocation: SourceLocation = #_sourceLocation) {
    _ = Glibc.kill(pid, SIGKILL)
    process.waitUntilExit()
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    #expect(
      process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
      "child \(pid) ended before it was killed:\n\(output)", sourceLocation: sourceLocation)
  }

  /// Polls until `path` exists (a child's "ready" mark); fails after `timeout` seconds.
  static func waitForFile(_ path: String, timeout: TimeInterval = 30) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !FileManager.default.fileExists(atPath: path) {
      if Date() > deadline { return false }
      usleep(2_000)
    }
    return true
  }
}
