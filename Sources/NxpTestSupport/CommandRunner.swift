import Foundation

/// Runs a built executable and collects what it printed.
public struct CommandResult: CustomStringConvertible {
  public var status: Int32
  public var stdoutData: Data
  public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
  public var stderr: String
  public var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

public enum CommandRunner {
  /// Runs `executable` with `arguments` in `directory`; `environment` entries are added to (or,
  /// with an empty value, removed from) the current environment.
  public static func run(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    environment: [String: String] = [:], stdin: String? = nil, stdinData: Data? = nil
  ) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v.isEmpty ? nil : v }
    p.environment = env
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let input = stdinData ?? stdin.map({ Data($0.utf8) }) { inp.fileHandleForWriting.write(input) }
    try inp.fileHandleForWriting.close()
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errBox.data = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus, stdoutData: outData, stderr: String(decoding: errBox.data, as: UTF8.self))
  }

  /// Runs the `nxp` built beside the tests.
  public static func nxp(
    _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], stdin: String? = nil
  ) throws -> CommandResult {
    try run(try TestEnvironment.productPath("nxp"), arguments, in: directory, environment: environment, stdin: stdin)
  }
}

/// Inline expectations in example scripts: `# expect: <line>` lines give stdout, line by line.
public enum ExpectLines {
  public static func parse(_ script: String) -> [String] {
    script.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line in
      let t = line.trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix("# expect:") else { return nil }
      var rest = t.dropFirst("# expect:".count)
      if rest.hasPrefix(" ") { rest = rest.dropFirst() }
      return String(rest)
    }
  }

  /// Whether an output line matches an expected one: equal, except that numbers may differ by
  /// one unit in their last printed digit (floating-point results vary with the BLAS kernel).
  public static func matches(_ actual: String, _ expected: String) -> Bool {
    if actual.trimmingTrailingSpaces == expected.trimmingTrailingSpaces { return true }
    let a = actual.split(separator: " ", omittingEmptySubsequences: true)
    let e = expected.split(separator: " ", omittingEmptySubsequences: true)
    guard a.count == e.count else { return false }
    for (x, y) in zip(a, e) where x != y {
      guard let dx = Double(x), let dy = Double(y) else { return false }
      let decimals = y.split(separator: ".").dropFirst().first?.count ?? 0
      if abs(dx - dy) > 1.5 * pow(10, -Double(decimals)) { return false }
    }
    return true
  }
}

extension String {
  var trimmingTrailingSpaces: String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
