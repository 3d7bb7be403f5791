import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes that either happen whole or not at all: data goes to a temporary file in the same
/// directory, is flushed to disk, and is renamed over the destination. Whatever fails (a full
/// disk, a file size limit, the rename), the temporary file is removed and the destination is
/// left as it was.
public enum AtomicFile {
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let tmp = temporaryPath(for: path)
    do {
      try writeAndSync(data, to: tmp, naming: path)
    } catch {
      unlink(tmp)
      throw error
    }
    if rename(tmp, path) != 0 {
      let err = errno
      unlink(tmp)
      throw UserError("cannot write '\(path)': \(String(cString: strerror(err)))")
    }
  }

  /// A fresh hidden name beside `path` (same folder, so the final rename stays on one file system).
  public static func temporaryPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().path + "/.tmp-\(ProcessInfo.processInfo.processIdentifier)-"
      + "\(UInt64.random(in: 0...UInt64.max))-" + url.lastPathComponent
  }

  /// Writes bytes the caller owns in 16 MiB pieces, so large buffers are never copied whole.
  public static func writeAll(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let n = min(16 << 20, bytes.count - offset)
      try handle.write(
        contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset), count: n, deallocator: .none))
      offset += n
    }
  }

  /// Creates `path` with `data` and fsyncs it (the file must not be shared yet). Errors name
  /// `shown` (default: `path`); on failure the partial file stays for the caller to remove.
  public static func writeAndSync(_ data: Data, to path: String, naming shown: String? = nil) throws {
    let shown = shown ?? path
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw UserError("cannot create '\(shown)': \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      var done = 0
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw UserError("cannot write '\(shown)': \(String(cString: strerror(errno)))")
        }
        done += n
      }
    }
    if fsync(fd) != 0 {
      throw UserError("cannot flush '\(shown)': \(String(cString: strerror(errno)))")
    }
  }
}
