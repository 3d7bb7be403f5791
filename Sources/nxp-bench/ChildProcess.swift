import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A finished child process: its wall time and peak resident memory (from GNU time).
struct ChildRun {
  var status: Int32
  var seconds: Double
  var peakRSSBytes: Int
  var stdout: String
  var stderr: String
}

/// GNU time, which starts the measured program from its own small process.
let timeProgram = "/usr/bin/time"

/// Runs a program and measures it. Output goes to temporary files so large output cannot block.
///
/// The peak memory comes from GNU time, not from this process's wait4: Linux carries the memory
/// high-water mark of the process that spawned a program into the program's own maxrss (at
/// exec), so a child spawned from the benchmark, which holds a model, reported the benchmark's
/// size (a viewer run measured 941 MB here instead of its own 201 MB).
func runChild(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildRun {
  guard FileManager.default.isExecutableFile(atPath: timeProgram) else {
    throw BenchError("no \(timeProgram): install Debian's time package (scripts/setup.sh does)")
  }
  let tmp = NSTemporaryDirectory() + "nxp-bench-\(UUID().uuidString)"
  for suffix in [".out", ".err", ".rss"] { _ = FileManager.default.createFile(atPath: tmp + suffix, contents: nil) }
  defer {
    for suffix in [".out", ".err", ".rss"] { try? FileManager.default.removeItem(atPath: tmp + suffix) }
  }
  var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, tmp + ".out", O_WRONLY | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, tmp + ".err", O_WRONLY | O_TRUNC, 0o644)
  var env = ProcessInfo.processInfo.environment
  for (k, v) in environment { env[k] = v }
  let argv = ([timeProgram, "-f", "%M", "-o", tmp + ".rss", executable] + arguments).map { strdup($0) } + [nil]
  let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
  defer {
    for p in argv { free(p) }
    for p in envp { free(p) }
  }
  var pid: pid_t = 0
  let start = Date()
  let rc = posix_spawn(&pid, timeProgram, &actions, nil, argv, envp)
  guard rc == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(rc)))") }
  var status: Int32 = 0
  while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  let seconds = Date().timeIntervalSince(start)
  let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  // "%M" (KB) is the last line; a failed command adds a line before it.
  let report = (try? String(contentsOfFile: tmp + ".rss", encoding: .utf8)) ?? ""
  guard let kilobytes = report.split(separator: "\n").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
    throw BenchError("\(timeProgram) gave no peak memory for \(executable): \(report.prefix(200))")
  }
  return ChildRun(
    status: exit, seconds: seconds, peakRSSBytes: kilobytes * 1024,
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
