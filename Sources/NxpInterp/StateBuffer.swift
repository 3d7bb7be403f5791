import Foundation
import NxpCore

/// A fixed-size heap array of plain numbers, freed with its owner.
///
/// The accumulator keeps its state in these so that the hot loop works on raw pointers (no
/// copy-on-write or exclusivity checks) and so checkpoints can copy the bytes as they are.
final class StateBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Element>
  let count: Int

  init(count: Int, repeating value: Element) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    pointer.initialize(repeating: value, count: count)
  }

  deinit { pointer.deallocate() }

  var byteCount: Int { count * MemoryLayout<Element>.stride }

  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: byteCount) }

  subscript(i: Int) -> Element {
    get { pointer[i] }
    set { pointer[i] = newValue }
  }

  /// Overwrites the contents with `data`, which must have exactly `byteCount` bytes.
  func load(_ data: Data, name: String) throws {
    guard data.count == byteCount else {
      throw UserError("checkpoint is damaged: part '\(name)' has \(data.count) bytes, expected \(byteCount)")
    }
    data.withUnsafeBytes { src in
      UnsafeMutableRawPointer(pointer).copyMemory(from: src.baseAddress!, byteCount: byteCount)
    }
  }

  func array() -> [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// Type-erased access used to list a layer's buffers for checkpoints and memory accounting.
protocol AnyStateBuffer: AnyObject {
  var byteCount: Int { get }
  var bytes: UnsafeRawBufferPointer { get }
  func load(_ data: Data, name: String) throws
}

extension StateBuffer: AnyStateBuffer {}
