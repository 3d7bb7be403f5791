import Foundation

/// Everything the cache can report, each case naming the key, prefix or path at fault.
public enum CacheError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
  /// A key that is not 64 lowercase hex characters.
  case invalidKey(String)
  /// A value file name that would escape the entry folder or clash with the manifest.
  case invalidFileName(String)
  /// A key prefix that is empty, too long or not hex.
  case invalidKeyPrefix(String)
  /// No entry starts with this prefix.
  case unknownKeyPrefix(String)
  /// More than one entry starts with this prefix; `matches` lists some of them.
  case ambiguousKeyPrefix(String, matches: [String])
  /// The entry exists on disk but cannot be trusted (it has been removed).
  case corruptEntry(key: String, problem: EntryProblem)
  /// A system call failed on `path`.
  case io(operation: String, path: String, code: Int32)
  /// Another live process holds the lock on the computation of `key`.
  case busy(key: String, pid: Int32)
  /// A staged value contains something other than regular files.
  case unexpectedStagedItem(path: String)
  /// A glob pattern matched no regular file.
  case noFilesMatch(pattern: String)
  /// A folder given as a cache that nxp did not make (or made with another layout).
  case notACache(root: String, reason: String)

  public var description: String {
    switch self {
    case .invalidKey(let key):
      return "invalid cache key '\(key)': expected 64 lowercase hex characters"
    case .invalidFileName(let name):
      return "invalid value file name '\(name)': it must be a plain name other than manifest.json"
    case .invalidKeyPrefix(let prefix):
      return "invalid key prefix '\(prefix)': expected 1 to 64 hex characters"
    case .unknownKeyPrefix(let prefix):
      return "no cache entry starts with '\(prefix)'"
    case .ambiguousKeyPrefix(let prefix, let matches):
      let shown = matches.prefix(5).joined(separator: ", ")
      let more = matches.count > 5 ? ", …" : ""
      return "key prefix '\(prefix)' is ambiguous: \(matches.count) entries match (\(shown)\(more))"
    case .corruptEntry(let key, let problem):
      return "cache entry \(key) was corrupt (\(problem)) and has been removed"
    case .io(let operation, let path, let code):
      return "cannot \(operation) '\(path)': \(String(cString: strerror(code)))"
    case .busy(let key, let pid):
      return "another nxp process (pid \(pid)) is computing \(key.prefix(12))"
    case .unexpectedStagedItem(let path):
      return "staged value item '\(path)' is not a regular file"
    case .noFilesMatch(let pattern):
      return "no file matches '\(pattern)'"
    case .notACache(let root, let reason):
      return
        "'\(root)' is not an nxp cache: \(reason); check --cache or NXP_CACHE_DIR (nxp creates the marker when it first writes to a new or empty folder)"
    }
  }

  public var errorDescription: String? { description }
}
