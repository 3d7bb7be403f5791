import Crypto
import Foundation

/// SHA-256 digests as lowercase hex, the identity of every cached value and hashed file.
public enum ContentHash {
  public static func hex(_ data: some DataProtocol) -> String {
    SHA256.hash(data: data).hexString
  }

  public static func hex(_ string: String) -> String { hex(Data(string.utf8)) }

  /// Hashes a file in 4 MiB chunks so large model files never sit in memory at once.
  public static func hexOfFile(atPath path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw UserError("cannot read '\(path)' to hash it")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
      let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
      if chunk.isEmpty { break }
      hasher.update(data: chunk)
    }
    return hasher.finalize().hexString
  }
}

extension Digest {
  var hexString: String {
    var s = ""
    s.reserveCapacity(64)
    for byte in self {
      let hex = String(byte, radix: 16)
      if hex.count == 1 { s += "0" }
      s += hex
    }
    return s
  }
}
