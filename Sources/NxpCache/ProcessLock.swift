import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive `flock(2)` on a file that holds its owner's pid.
///
/// The kernel drops the lock when its owner exits or is killed, so a lock file left by a dead
/// process is simply taken over; the pid only makes "who is computing this" answerable. Locks
/// held by two threads of one process exclude each other too (each opens the file anew).
final class ProcessLock {
  let path: String
  private var descriptor: Int32

  private init(path: String, descriptor: Int32) {
    self.path = path
    self.descriptor = descriptor
  }

  deinit { release() }

  /// The result of one attempt.
  enum Attempt {
    case acquired(ProcessLock)
    case held(pid: Int32)
  }

  /// Takes the lock at `path` (creating it and its folder) without waiting.
  static func attempt(_ path: String) throws -> Attempt {
    let folder = (path as NSString).deletingLastPathComponent
    // Other processes may delete the folder or the file in between; a few rounds settle it.
    for _ in 0..<100 {
      try makeDirectory(folder)
      let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        if errno == ENOENT { continue }  // the folder was removed between the two calls
        throw ioError("open lock", path)
      }
      if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        let code = errno
        guard code == EWOULDBLOCK else {
          close(fd)
          throw ioError("lock", path, code)
        }
        let pid = readOwner(fd)
        close(fd)
        return .held(pid: pid)
      }
      // The previous owner may have deleted the file after we opened it; a lock on an unlinked
      // file excludes nobody, so start over on the file now at `path`.
      guard let mine = FileStatus.of(descriptor: fd), let current = FileStatus.of(path),
        mine.inode == current.inode, mine.device == current.device
      else {
        close(fd)
        continue
      }
      let text = "\(getpid())\n"
      _ = ftruncate(fd, 0)
      _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
      return .acquired(ProcessLock(path: path, descriptor: fd))
    }
    throw ioError("lock", path, EAGAIN)
  }

  /// Takes the lock, polling for up to `wait` seconds; throws `CacheError.busy` naming the
  /// owner's pid when it stays held.
  static func acquire(_ path: String, key: String, wait: TimeInterval) throws -> ProcessLock {
    let deadline = Date().addingTimeInterval(wait)
    while true {
      switch try attempt(path) {
      case .acquired(let lock): return lock
      case .held(let pid):
        if Date() >= deadline { throw CacheError.busy(key: key, pid: pid) }
        usleep(20_000)
      }
    }
  }

  /// Releases the lock; the file stays for the next owner.
  func release() {
    guard descriptor >= 0 else { return }
    close(descriptor)  // closing drops the flock
    descriptor = -1
  }

  /// The pid written by the holder; it may not have written it yet, so look a few times.
  private static func readOwner(_ fd: Int32) -> Int32 {
    var buffer = [CChar](repeating: 0, count: 32)
    for _ in 0..<20 {
      let n = pread(fd, &buffer, 31, 0)
      if n > 0 {
        buffer[n] = 0
        let text = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        if let pid = Int32(text) { return pid }
      }
      usleep(1_000)
    }
    return 0
  }
}
