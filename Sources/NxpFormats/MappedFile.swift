import Foundation
import NxpCore

#if canImport(Glibc)
  import Glibc
#endif

/// A read-only memory map of a whole file. Model weights are read straight from it, so opening a
/// model costs no copy and the kernel shares the pages between processes.
public final class MappedFile: @unchecked Sendable {
  public let path: String
  public let size: Int
  public let bytes: UnsafeRawBufferPointer
  private let base: UnsafeMutableRawPointer?
  /// True when `base` is a heap copy (see `init(copying:path:)`) rather than a map.
  private let isHeapCopy: Bool

  /// A copy of `data` in memory, read like a mapped file. For parsing bytes that never touched
  /// the disk (tests, downloads); `path` only names it in errors.
  public init(copying data: Data, path: String = "<memory>") {
    self.path = path
    size = data.count
    isHeapCopy = true
    guard size > 0 else {
      base = nil
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    data.copyBytes(to: p.assumingMemoryBound(to: UInt8.self), count: size)
    base = p
    bytes = UnsafeRawBufferPointer(start: p, count: size)
  }

  /// Maps the regular file at `path`; throws a `UserError` naming it when it cannot.
  public init(path: String) throws {
    isHeapCopy = false
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
      throw UserError("cannot open '\(path)': \(reason)")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw UserError("cannot stat '\(path)': \(String(cString: strerror(errno)))") }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw UserError("'\(path)' is not a regular file") }
    size = Int(st.st_size)
    if size == 0 {
      base = nil
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let p, p != MAP_FAILED else {
      throw UserError("cannot map '\(path)': \(String(cString: strerror(errno)))")
    }
    base = p
    bytes = UnsafeRawBufferPointer(start: p, count: size)
  }

  deinit {
    guard let base else { return }
    if isHeapCopy { base.deallocate() } else { munmap(base, size) }
  }
}

/// A bounds-checked little-endian cursor over bytes. Every read checks what remains first, so a
/// truncated or lying file becomes an error, never a read past the end.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  var offset: Int

  init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  var remaining: Int { bytes.count - offset }

  mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
    guard n >= 0, n <= remaining else {
      throw FormatError.truncated(what: what(), offset: offset, needed: n, available: max(0, remaining))
    }
  }

  mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
    try need(MemoryLayout<T>.size, what())
    let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += MemoryLayout<T>.size
    return T(littleEndian: v)
  }

  mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
    Float(bitPattern: try read(UInt32.self, what()))
  }

  mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
    Double(bitPattern: try read(UInt64.self, what()))
  }

  mutating func readBytes(_ n: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
    try need(n, what())
    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    offset += n
    return slice
  }
}
