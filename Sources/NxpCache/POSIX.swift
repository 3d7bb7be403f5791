import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Thin wrappers over the system calls the cache's crash safety rests on: stat, fsync, rename,
// process liveness. Each failure becomes a `CacheError.io` naming the path.

// MARK: - Errors

func ioError(_ operation: String, _ path: String, _ code: Int32 = errno) -> CacheError {
  .io(operation: operation, path: path, code: code)
}

// MARK: - stat

/// The parts of `stat(2)` the cache uses.
struct FileStatus: Equatable {
  var size: Int64
  var inode: UInt64
  var device: UInt64
  /// Modification time in nanoseconds since the epoch.
  var mtimeNanoseconds: Int64
  var isRegularFile: Bool
  var isDirectory: Bool

  /// The status of `path` (following symlinks), or nil when it does not exist.
  static func of(_ path: String) -> FileStatus? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return FileStatus(st)
  }

  /// The status of an open file descriptor.
  static func of(descriptor fd: Int32) -> FileStatus? {
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    return FileStatus(st)
  }

  private init(_ st: stat) {
    size = Int64(st.st_size)
    inode = UInt64(st.st_ino)
    device = UInt64(st.st_dev)
    #if canImport(Darwin)
      mtimeNanoseconds = Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
    #else
      mtimeNanoseconds = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    #endif
    let kind = st.st_mode & S_IFMT
    isRegularFile = kind == S_IFREG
    isDirectory = kind == S_IFDIR
  }
}

// MARK: - Durability

/// Flushes a file or directory to disk; a rename is only durable once its directory is synced.
func syncPath(_ path: String) throws {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw ioError("open", path) }
  defer { close(fd) }
  guard fsync(fd) == 0 else { throw ioError("flush", path) }
}

/// Creates `path` and its parents; an existing directory is fine (other processes race here).
func makeDirectory(_ path: String) throws {
  do {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  } catch {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { return }
    throw ioError("create directory", path, EIO)
  }
}

/// Removes a file or a whole tree; a path that is already gone is not an error.
func removeTree(_ path: String) {
  try? FileManager.default.removeItem(atPath: path)
}

/// Names of the entries in a directory, or [] when it cannot be read.
func directoryNames(_ path: String) -> [String] {
  (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
}

/// Bytes in all regular files under `path` (0 when it does not exist).
func treeSize(_ path: String) -> Int64 {
  guard let status = FileStatus.of(path) else { return 0 }
  if !status.isDirectory { return status.isRegularFile ? status.size : 0 }
  var total: Int64 = 0
  guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
  while let relative = walker.nextObject() as? String {
    if let s = FileStatus.of(path + "/" + relative), s.isRegularFile { total += s.size }
  }
  return total
}

// MARK: - Processes

/// Whether a process with this id exists (EPERM means it exists but belongs to someone else).
func processIsAlive(_ pid: Int32) -> Bool {
  guard pid > 0 else { return false }
  return kill(pid, 0) == 0 || errno == EPERM
}

/// A random suffix that keeps temporary names from two threads of one process apart.
func uniqueSuffix() -> String {
  String(UInt64.random(in: 0...UInt64.max), radix: 16)
}

// MARK: - Paths

/// The absolute path with symlinks resolved when it exists, so one file has one name in the
/// memo and the run records; otherwise the standardized absolute path.
func canonicalPath(_ path: String) -> String {
  let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
  guard let resolved = realpath(absolute, nil) else { return absolute }
  defer { free(resolved) }
  return String(cString: resolved)
}
