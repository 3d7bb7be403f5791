import Crypto
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// XXH64 (Yann Collet's xxHash, 64-bit): a fast non-cryptographic checksum that catches changed
/// bytes in cached values and checkpoints before they are trusted. It runs at memory speed (see
/// `nxp-bench --cache-only`), so checking a value on every read costs far less than decoding it.
/// SHA-256 (`ContentHash`) stays the identity of values and files; this only guards against
/// damage.
///
/// Streaming: feed bytes with `update` in any pieces; `digest` gives the same result as hashing
/// them at once, and matches the reference implementation (`xxhash.xxh64` in Python).
public struct XXH64: Sendable {
  static var p1: UInt64 { 0x9E37_79B1_85EB_CA87 }
  static var p2: UInt64 { 0xC2B2_AE3D_27D4_EB4F }
  static var p3: UInt64 { 0x1656_67B1_9E37_79F9 }
  static var p4: UInt64 { 0x85EB_CA77_C2B2_AE63 }
  static var p5: UInt64 { 0x27D4_EB2F_1656_67C5 }

  private let seed: UInt64
  private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
  private var total: UInt64 = 0
  /// Bytes not yet consumed by a 32-byte stripe.
  private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
  private var pendingCount = 0

  public init(seed: UInt64 = 0) {
    self.seed = seed
    v1 = seed &+ XXH64.p1 &+ XXH64.p2
    v2 = seed &+ XXH64.p2
    v3 = seed
    v4 = seed &- XXH64.p1
  }

  /// The checksum of `bytes` in one call.
  public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    var h = XXH64(seed: seed)
    h.update(bytes)
    return h.digest()
  }

  public static func hash(_ data: Data, seed: UInt64 = 0) -> UInt64 {
    data.withUnsafeBytes { hash($0, seed: seed) }
  }

  @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

  @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
    rotl(acc &+ input &* p2, 31) &* p1
  }

  @inline(__always) private static func merge(_ acc: UInt64, _ v: UInt64) -> UInt64 {
    (acc ^ round(0, v)) &* p1 &+ p4
  }

  public mutating func update(_ data: Data) {
    data.withUnsafeBytes { update($0) }
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var p = bytes.baseAddress, bytes.count > 0 else { return }
    var n = bytes.count
    total &+= UInt64(n)
    if pendingCount > 0 {
      let take = min(32 - pendingCount, n)
      withUnsafeMutableBytes(of: &pending) { buf in
        (buf.baseAddress! + pendingCount).copyMemory(from: p, byteCount: take)
      }
      pendingCount += take
      p += take
      n -= take
      guard pendingCount == 32 else { return }
      let (a, b, c, d) = pending
      v1 = XXH64.round(v1, UInt64(littleEndian: a))
      v2 = XXH64.round(v2, UInt64(littleEndian: b))
      v3 = XXH64.round(v3, UInt64(littleEndian: c))
      v4 = XXH64.round(v4, UInt64(littleEndian: d))
      pendingCount = 0
    }
    // The stripe loop with the four lanes in locals, so they stay in registers.
    var a = v1, b = v2, c = v3, d = v4
    while n >= 32 {
      a = XXH64.round(a, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
      b = XXH64.round(b, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
      c = XXH64.round(c, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
      d = XXH64.round(d, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
      p += 32
      n -= 32
    }
    v1 = a
    v2 = b
    v3 = c
    v4 = d
    if n > 0 {
      withUnsafeMutableBytes(of: &pending) { buf in buf.baseAddress!.copyMemory(from: p, byteCount: n) }
      pendingCount = n
    }
  }

  /// The checksum of everything fed so far (the state is unchanged, so feeding may go on).
  public func digest() -> UInt64 {
    var h: UInt64
    if total >= 32 {
      h = XXH64.rotl(v1, 1) &+ XXH64.rotl(v2, 7) &+ XXH64.rotl(v3, 12) &+ XXH64.rotl(v4, 18)
      h = XXH64.merge(h, v1)
      h = XXH64.merge(h, v2)
      h = XXH64.merge(h, v3)
      h = XXH64.merge(h, v4)
    } else {
      h = seed &+ XXH64.p5
    }
    h &+= total
    var tail = pending
    let count = pendingCount
    withUnsafeBytes(of: &tail) { buf in
      var i = 0
      while i + 8 <= count {
        h ^= XXH64.round(0, UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
        h = XXH64.rotl(h, 27) &* XXH64.p1 &+ XXH64.p4
        i += 8
      }
      if i + 4 <= count {
        h ^= UInt64(UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* XXH64.p1
        h = XXH64.rotl(h, 23) &* XXH64.p2 &+ XXH64.p3
        i += 4
      }
      while i < count {
        h ^= UInt64(buf[i]) &* XXH64.p5
        h = XXH64.rotl(h, 11) &* XXH64.p1
        i += 1
      }
    }
    h ^= h >> 33
    h &*= XXH64.p2
    h ^= h >> 29
    h &*= XXH64.p3
    h ^= h >> 32
    return h
  }

  /// The digest as 16 lowercase hex digits, the form manifests record.
  public func hexDigest() -> String { XXH64.hex(digest()) }

  public static func hex(_ value: UInt64) -> String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }

  /// The checksum of a file's contents as 16 hex digits, read in 1 MiB pieces (a size that stays
  /// in cache between the read and the hash).
  public static func hexOfFile(atPath path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw UserError("cannot read '\(path)' to check it: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let size = 1 << 20
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    defer { buffer.deallocate() }
    var h = XXH64()
    while true {
      let n = read(fd, buffer, size)
      if n < 0 {
        if errno == EINTR { continue }
        throw UserError("cannot read '\(path)' to check it: \(String(cString: strerror(errno)))")
      }
      if n == 0 { break }
      h.update(UnsafeRawBufferPointer(start: buffer, count: n))
    }
    return h.hexDigest()
  }
}

extension ContentHash {
  /// A file's SHA-256 and XXH64 checksum (both lowercase hex) from one pass over its contents.
  public static func hexAndChecksumOfFile(atPath path: String) throws -> (sha256: String, xxh64: String) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw UserError("cannot read '\(path)' to hash it")
    }
    defer { try? handle.close() }
    var sha = SHA256()
    var xxh = XXH64()
    while true {
      let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
      if chunk.isEmpty { break }
      sha.update(data: chunk)
      xxh.update(chunk)
    }
    return (sha.finalize().hexString, xxh.hexDigest())
  }
}
