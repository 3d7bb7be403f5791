import Foundation
import NxpCore

/// The rate of the checksum every cache read computes: over a buffer in memory, and over a file
/// in the page cache (what reading a cached value costs on top of decoding it).
enum ChecksumBenchmark {
  static func run() -> (inMemoryGBs: Double, fromFileGBs: Double) {
    let size = 256 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    defer { buffer.deallocate() }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in stride(from: 0, to: size, by: 8) {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      buffer.storeBytes(of: state, toByteOffset: i, as: UInt64.self)
    }
    func best(_ body: () -> Void) -> Double {
      var times: [Double] = []
      for _ in 0..<5 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
      }
      return times.min()!
    }
    var sink: UInt64 = 0
    let memory = best { sink ^= XXH64.hash(UnsafeRawBufferPointer(buffer)) }
    let path = NSTemporaryDirectory() + "/nxp-bench-checksum-\(getpid())"
    defer { unlink(path) }
    let file = Data(bytesNoCopy: buffer.baseAddress!, count: size, deallocator: .none)
    var fromFile = Double.nan
    if (try? file.write(to: URL(fileURLWithPath: path))) != nil {
      _ = try? XXH64.hexOfFile(atPath: path)  // into the page cache
      fromFile = best { _ = try? XXH64.hexOfFile(atPath: path) }
    }
    if sink == 42 { print("") }  // keeps the hash from being optimised away
    return (Double(size) / memory / 1e9, Double(size) / fromFile / 1e9)
  }
}
