import Foundation
import NxpLLM

/// The answered language-model requests kept beside a cache's values (`<cache>/requests`), as
/// `nxp cache gc` and `verify` see them. They belong to no single value: an answer serves every
/// script that asks the same request, so gc keeps them unless told to delete them.
public struct StoredRequests {
  let store: DirectoryRequestStore

  public init(cacheRoot: String) { store = DirectoryRequestStore(directory: cacheRoot + "/requests") }

  /// Answers kept and their bytes.
  public func usage() -> (answers: Int, bytes: Int64) {
    let u = store.usage()
    return (u.answers, u.bytes)
  }

  /// Checks every answer's checksum, removing the ones that fail (asked again when needed).
  public func verify() -> (checked: Int, corrupt: [String]) {
    let r = store.verifyAll()
    return (r.checked, r.removed)
  }

  /// Deletes every answer; returns what was freed.
  public func removeAll() -> (answers: Int, bytes: Int64) {
    let u = store.removeAll()
    return (u.answers, u.bytes)
  }
}
