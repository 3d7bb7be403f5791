import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A Python helper under Tests/Reference that prints its port on its first line and serves until
/// its stdin closes; stopped by `stop()` or when the test process ends.
public final class PortServer: @unchecked Sendable {
  public let process = Process()
  private let input = Pipe()
  public let port: Int
  public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

  public init(script: String, _ arguments: [String] = []) throws {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", TestEnvironment.repoRoot + "/Tests/Reference/" + script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
      process.waitUntilExit()
      let why = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      throw TestSupportError("\(script) did not start (status \(process.terminationStatus)): \(why)")
    }
    self.port = port
  }

  public func stop() {
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
  }

  deinit {
    if process.isRunning {
      try? input.fileHandleForWriting.close()
      process.terminate()
    }
  }

  /// GET `path` (relative to the host) as JSON.
  public func get(_ path: String) throws -> [String: Any] {
    final class Box: @unchecked Sendable { var data: Data? }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { data, _, _ in
      box.data = data
      done.signal()
    }.resume()
    done.wait()
    guard let data = box.data, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw TestSupportError("no JSON from \(path)")
    }
    return json
  }
}

/// `llm_fault_server.py`: deterministic answers, faults chosen by markers in the prompt.
public struct FaultServer {
  public let server: PortServer
  public var baseURL: String { server.baseURL }

  public init(_ arguments: [String] = []) throws {
    server = try PortServer(script: "llm_fault_server.py", arguments)
  }

  public struct Stats {
    public var counts: [String: Int]
    public var requests: Int
    public var maxInFlight: Int
    public var authorization: [String]
    public var keyElsewhere: Int
  }

  public func stats() throws -> Stats {
    let j = try server.get("/stats")
    return Stats(
      counts: j["counts"] as? [String: Int] ?? [:], requests: j["requests"] as? Int ?? -1,
      maxInFlight: j["max_in_flight"] as? Int ?? -1, authorization: j["authorization"] as? [String] ?? [],
      keyElsewhere: j["key_elsewhere"] as? Int ?? -1)
  }

  public func stop() { server.stop() }
}

/// llama-cpp-python's server on the default model, started once for the test process.
public enum LlamaServer {
  public static let importable: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import llama_cpp"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
  }()

  /// Tests run when llama_cpp is importable or NXP_REQUIRE_LLAMA_SERVER is set (then a missing
  /// package fails them instead of skipping).
  public static var enabled: Bool {
    importable || !(ProcessInfo.processInfo.environment["NXP_REQUIRE_LLAMA_SERVER"] ?? "").isEmpty
  }

  nonisolated(unsafe) private static var shared: Result<PortServer, Error>?
  private static let lock = NSLock()

  /// The running server; it stops when the test process exits (the launcher watches its stdin).
  public static func start() throws -> PortServer {
    lock.lock()
    defer { lock.unlock() }
    if shared == nil {
      shared = Result { try PortServer(script: "llama_server.py", [try TestEnvironment.defaultModelPath()]) }
    }
    return try shared!.get()
  }
}
