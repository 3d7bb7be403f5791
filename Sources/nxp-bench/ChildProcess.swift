import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A finished child process: its wall time and peak resident memory (from wait4's rusage).
struct ChildRun {
  var status: Int32
  var seconds: Double
  var peakRSSBytes: Int
  var stdout: String
  var stderr: String
}

/// Runs a program and measures it. Output goes to temporary files so large output cannot block.
func runChild(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildRun {
  let tmp = NSTemporaryDirectory() + "nxp-bench-\(UUID().uuidString)"
  _ = FileManager.default.createFile(atPath: tmp + ".out", contents: nil)
  _ = FileManager.default.createFile(atPath: tmp + ".err", contents: nil)
  defer {
    try? FileManager.default.removeItem(atPath: tmp + ".out")
    try? FileManager.default.removeItem(atPath: tmp + ".err")
  }
  var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, tmp + ".out", O_WRONLY | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, tmp + ".err", O_WRONLY | O_TRUNC, 0o644)
  var env = ProcessInfo.processInfo.environment
  for (k, v) in environment { env[k] = v }
  let argv = ([executable] + arguments).map { strdup($0) } + [nil]
  let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
  defer {
    for p in argv { free(p) }
    for p in envp { free(p) }
  }
  var pid: pid_t = 0
  let start = Date()
  let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
  guard rc == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(rc)))") }
  var status: Int32 = 0
  var usage = rusage()
  while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
  let seconds = Date().timeIntervalSince(start)
  let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  return ChildRun(
    status: exit, seconds: seconds, peakRSSBytes: Int(usage.ru_maxrss) * 1024,
    stdout: (try? String(contentsOfFile: tmp + ".out", encoding: .utf8)) ?? "",
    stderr: (try? String(contentsOfFile: tmp + ".err", encoding: .utf8)) ?? "")
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
}
