import Foundation

/// llama.cpp's own prompt-processing rate on the same GGUF, when a `llama-bench` binary is on
/// PATH: `llama-bench -m GGUF -p 64 -n 0 -t 2 -o json` (64-token prompts, no generation, 2
/// threads). nxp-bench never builds or downloads llama.cpp.
enum LlamaBenchmark {
  enum Outcome {
    case measured(tokensPerSecond: Double, binary: String)
    case notMeasured(reason: String)
  }

  static func run(gguf: String, threads: Int = 2) -> Outcome {
    guard let binary = findOnPath("llama-bench") else {
      return .notMeasured(reason: "no llama-bench on PATH")
    }
    do {
      let r = try runChild(binary, ["-m", gguf, "-p", "64", "-n", "0", "-t", "\(threads)", "-o", "json"])
      guard r.status == 0 else {
        return .notMeasured(reason: "\(binary) exited with status \(r.status): \(r.stderr.split(separator: "\n").last ?? "")")
      }
      guard let rate = promptRate(json: r.stdout) else {
        return .notMeasured(reason: "\(binary) printed no prompt-processing rate")
      }
      return .measured(tokensPerSecond: rate, binary: binary)
    } catch {
      return .notMeasured(reason: "\(binary) did not run: \(error)")
    }
  }

  /// The `avg_ts` of the prompt-processing test (n_prompt > 0, n_gen == 0) in llama-bench's
  /// JSON output.
  static func promptRate(json: String) -> Double? {
    guard let start = json.firstIndex(of: "["),
      let rows = try? JSONSerialization.jsonObject(with: Data(json[start...].utf8)) as? [[String: Any]]
    else { return nil }
    for row in rows {
      let prompt = (row["n_prompt"] as? NSNumber)?.intValue ?? 0
      let gen = (row["n_gen"] as? NSNumber)?.intValue ?? 0
      if prompt > 0 && gen == 0, let ts = (row["avg_ts"] as? NSNumber)?.doubleValue { return ts }
    }
    return nil
  }

  static func findOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
      let candidate = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
