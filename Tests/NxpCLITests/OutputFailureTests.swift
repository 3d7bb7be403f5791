import Foundation
import NxpTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Writes that fail (a full disk, a full or closed stdout, a pipe whose reader left) give a
/// clear message and leave nothing behind, never a crash.
@Suite(.serialized) struct OutputFailureTests {
  // MARK: - save

  /// A write that fails part way (a file size limit standing in for a full disk: the limit makes
  /// writes fail with EFBIG once SIGXFSZ is ignored) leaves no temporary file beside the target.
  @Test func aFailedSaveLeavesNoTemporaryFile() throws {
    let dir = try TestEnvironment.temporaryDirectory("nxp-save-full")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var lines = ""
    for i in 0..<4000 { lines += "line \(i) of a document long enough to make the saved table larger than the limit\n\n" }
    try lines.write(toFile: dir + "/doc.txt", atomically: true, encoding: .utf8)
    try """
    docs = corpus("doc.txt")
    save(docs |> table, to: "out/docs.jsonl")
    """.write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
    let nxp = try TestEnvironment.productPath("nxp")
    // 256 blocks of 512 bytes (dash) = 128 KiB; the table is about 380 kB.
    let r = try CommandRunner.run("/bin/sh", ["-c", "ulimit -f 256; trap '' XFSZ; exec \"$0\" run s.nxp --cache cache", nxp], in: dir)
    #expect(r.status == 70, "\(r)")
    #expect(r.stderr.contains("cannot write '\(dir)/out/docs.jsonl': File too large"), "\(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out") == [])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") } == [])
    // Without the limit the same run saves the file.
    let ok = try CommandRunner.nxp(["run", "s.nxp", "--cache", "cache"], in: dir)
    #expect(ok.status == 0, "\(ok)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out") == ["docs.jsonl"])
  }

  // MARK: - Standard output

  @Test func aFullStdoutIsAnErrorNotACrash() throws {
    let dir = try IntegrityTests.examplesCopy()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let nxp = try TestEnvironment.productPath("nxp")
    let full = try CommandRunner.run(
      "/bin/sh", ["-c", "exec \"$0\" run tables.nxp --cache ../cache > /dev/full", nxp], in: dir + "/Examples")
    #expect(full.status == 74, "\(full)")
    #expect(full.stderr == "error: cannot write the output: No space left on device\n", "\(full)")

    let closed = try CommandRunner.run("/bin/sh", ["-c", "exec \"$0\" run tables.nxp --cache ../cache >&-", nxp], in: dir + "/Examples")
    #expect(closed.status == 74, "\(closed)")
    #expect(closed.stderr == "error: cannot write the output: standard output is closed\n", "\(closed)")
    // With stdout closed, nothing meant for it went into a file the run opened.
    let verify = try CommandRunner.nxp(["cache", "verify", "--cache", dir + "/cache"])
    #expect(verify.stdout.hasSuffix(": 0 corrupt\n"), "\(verify)")
  }

  /// A pipe whose reader has gone (`nxp run x.nxp | head -1`): the run ends quietly.
  @Test func aClosedPipeEndsTheRunQuietly() throws {
    let dir = try IntegrityTests.examplesCopy()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    close(fds[0])  // no reader: every write to the pipe fails with EPIPE (or SIGPIPE)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try TestEnvironment.productPath("nxp"))
    p.arguments = ["run", "tables.nxp", "--cache", dir + "/cache"]
    p.currentDirectoryURL = URL(fileURLWithPath: dir + "/Examples")
    let err = Pipe()
    p.standardOutput = FileHandle(fileDescriptor: fds[1], closeOnDealloc: false)
    p.standardError = err
    try p.run()
    close(fds[1])
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationReason == .exit && p.terminationStatus == 0, "status \(p.terminationStatus): \(stderr)")
    #expect(stderr == "")
  }
}
