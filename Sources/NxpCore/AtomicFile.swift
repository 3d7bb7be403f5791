import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes that either happen whole or not at all: data goes to a temporary file in the same
/// directory, is flushed to disk, and is renamed over the destination.
public enum AtomicFile {
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let tmp = dir + "/.tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))-" + url.lastPathComponent
    try writeAndSync(data, to: tmp)
    if rename(tmp, path) != 0 {
      let err = errno
      unlink(tmp)
      throw UserError("cannot write '\(path)': \(String(cString: strerror(err)))")
    }
  }

  /// Writes bytes the caller owns in 16 MiB pieces, so large buffers are never copied whole.
  public static func writeAll(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let n = min(16 << 20, bytes.count - offset)
      try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset), count: n, deallocator: .none))
      offset += n
    }
  }

  /// Creates `path` with `data` and fsyncs it (the file must not be shared yet).
  public static func writeAndSync(_ data: Data, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else {
      throw UserError("cannot create '\(path)': \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      var done = 0
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw UserError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        done += n
      }
    }
    if fsync(fd) != 0 {
      throw UserError("cannot flush '\(path)': \(String(cString: strerror(errno)))")
    }
  }
}
