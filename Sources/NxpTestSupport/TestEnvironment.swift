import Foundation
import NxpModels

/// Where tests find the repository, the default model and Python.
public enum TestEnvironment {
  /// The package root, found from this file's path at compile time.
  public static let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// nxp's models folder, resolved as nxp resolves it.
  public static var modelsDir: String { ModelRegistry.modelsDirectory() }

  /// The default subject model, SmolLM2-135M-Instruct Q4_1. Tests that need it fail with the
  /// install command when it is missing: the test command installs it first.
  public static func defaultModelPath() throws -> String {
    let path = modelsDir + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    guard FileManager.default.fileExists(atPath: path) else {
      throw TestSupportError("default model missing at \(path); install it with `scripts/install-model.sh`")
    }
    return path
  }

  /// A product built beside the test runner (`nxp`, `nxp-bench`); `NXP_BINARY` overrides `nxp`.
  public static func productPath(_ name: String) throws -> String {
    if name == "nxp", let override = ProcessInfo.processInfo.environment["NXP_BINARY"], !override.isEmpty { return override }
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = runner.deletingLastPathComponent()
    // On Linux the runner is <build>/<name>.xctest; elsewhere it may sit deeper in a bundle.
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent(name).path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      dir.deleteLastPathComponent()
    }
    throw TestSupportError("cannot find the built `\(name)` next to \(runner.path); build it with `swift build`")
  }

  /// A fresh empty directory under the system temporary folder.
  public static func temporaryDirectory(_ label: String = "nxp-test") throws -> String {
    let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}

public struct TestSupportError: Error, CustomStringConvertible {
  public var description: String
  public init(_ d: String) { description = d }
}

/// Runs the Python reference scripts under `Tests/Reference/` that compute expected values
/// independently (numpy, gguf, tokenizers, safetensors).
public enum PythonReference {
  public struct Result {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
  }

  /// Runs `python3 Tests/Reference/<script> <arguments>` and returns its output; throws with
  /// its stderr when it fails (for example when a Python package is missing).
  public static func run(_ script: String, _ arguments: [String] = [], stdin: Data? = nil) throws -> Data {
    let r = try runAllowingFailure(script, arguments, stdin: stdin)
    guard r.status == 0 else {
      throw TestSupportError("python3 \(script) failed with status \(r.status):\n\(r.stderr)")
    }
    return r.stdout
  }

  public static func runAllowingFailure(_ script: String, _ arguments: [String] = [], stdin: Data? = nil) throws -> Result {
    let r = try CommandRunner.run(
      "/usr/bin/env", ["python3", TestEnvironment.repoRoot + "/Tests/Reference/" + script] + arguments,
      stdinData: stdin)
    return Result(status: r.status, stdout: r.stdoutData, stderr: r.stderr)
  }
}
