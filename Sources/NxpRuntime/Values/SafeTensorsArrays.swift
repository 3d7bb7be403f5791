import Foundation
import NxpCore
import NxpFormats
import NxpInterp

/// Named arrays (float32, float64, int32) to and from one safetensors file, for values made of
/// several arrays (records, neuron sets, excerpts).
enum SafeTensorsArrays {
  static func encode(_ arrays: [String: RecordArray], metadata: [String: String]) throws -> Data {
    var w = SafeTensorsWriter(metadata: metadata)
    for name in arrays.keys.sorted() {
      let a = arrays[name]!
      switch a.storage {
      case .float32(let v): try w.add(name, shape: a.shape, floats: v)
      case .int32(let v): try w.add(name, shape: a.shape, int32s: v)
      case .float64(let v):
        try w.add(name, dtype: .f64, shape: a.shape, bytes: v.withUnsafeBufferPointer { Data(buffer: $0) })
      }
    }
    return try w.data()
  }

  /// Writes the same file as `encode` straight from the arrays to `path`, without building it in
  /// memory (records of every layer of a model are hundreds of megabytes).
  static func write(_ arrays: [String: RecordArray], metadata: [String: String], to path: String) throws {
    let names = arrays.keys.sorted()
    let tensors = names.map { name -> (name: String, dtype: SafeTensorsDType, shape: [Int], byteCount: Int) in
      let a = arrays[name]!
      switch a.storage {
      case .float32(let v): return (name, .f32, a.shape, v.count * 4)
      case .float64(let v): return (name, .f64, a.shape, v.count * 8)
      case .int32(let v): return (name, .i32, a.shape, v.count * 4)
      }
    }
    let (header, order) = try SafeTensorsWriter.header(metadata: metadata, tensors: tensors)
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
      throw UserError("cannot create \(path)")
    }
    defer { try? handle.close() }
    try handle.write(contentsOf: header)
    for i in order {
      switch arrays[names[i]]!.storage {
      case .float32(let v): try v.withUnsafeBytes { try AtomicFile.writeAll(handle, $0) }
      case .float64(let v): try v.withUnsafeBytes { try AtomicFile.writeAll(handle, $0) }
      case .int32(let v): try v.withUnsafeBytes { try AtomicFile.writeAll(handle, $0) }
      }
    }
  }

  static func decode(path: String) throws -> (arrays: [String: RecordArray], metadata: [String: String]) {
    let f = try SafeTensorsFile(path: path)
    var arrays: [String: RecordArray] = [:]
    for info in f.tensors {
      let bytes = f.bytes(of: info)
      switch info.dtype {
      case .f32: arrays[info.name] = RecordArray(shape: info.shape, .float32(Array(bytes.bindMemoryCopy(Float.self))))
      case .f64: arrays[info.name] = RecordArray(shape: info.shape, .float64(Array(bytes.bindMemoryCopy(Double.self))))
      case .i32: arrays[info.name] = RecordArray(shape: info.shape, .int32(Array(bytes.bindMemoryCopy(Int32.self))))
      default: throw UserError("cached value: tensor '\(info.name)' has unexpected type \(info.dtype)")
      }
    }
    return (arrays, f.metadata)
  }
}

extension UnsafeRawBufferPointer {
  /// Copies little-endian values out of possibly unaligned bytes.
  func bindMemoryCopy<T>(_: T.Type) -> [T] {
    let n = count / MemoryLayout<T>.stride
    return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
      if n > 0 {
        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: self[0..<(n * MemoryLayout<T>.stride)]))
      }
      initialized = n
    }
  }
}

extension RecordArray {
  var int32s: [Int32]? {
    if case .int32(let v) = storage { return v }
    return nil
  }
  var float32s: [Float]? {
    if case .float32(let v) = storage { return v }
    return nil
  }
}

/// JSON text for safetensors metadata (which holds only strings).
func jsonString(_ object: Any) throws -> String {
  String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
