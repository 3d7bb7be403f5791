import Foundation
import NxpRuntime

/// Corpus ingestion: a generated JSON Lines file of about `megabytes` MB (documents of 200 B to
/// 8 kB with escapes, non-ASCII text and other fields before and after the text field) read by
/// `corpus`'s reader, beside the rate at which the same file reads with plain FileHandle reads
/// (the limit: the file is in the page cache after being written, so this is memory speed, not
/// the disk's).
struct CorpusBenchmark {
  var megabytes: Int
  var repeats: Int

  struct Result {
    var bytes: Int
    var documents: Int
    var readMBps: Double
    var ingestMBps: Double
  }

  func run() throws -> Result {
    let dir = NSTemporaryDirectory() + "nxp-bench-corpus-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/corpus.jsonl"
    let bytes = try Self.generate(path: path, bytes: megabytes * 1_000_000)

    var readTimes: [Double] = []
    var ingestTimes: [Double] = []
    var documents = 0
    for _ in 0..<max(1, repeats) {
      var start = Date()
      guard let handle = FileHandle(forReadingAtPath: path) else { throw BenchError("cannot read \(path)") }
      var total = 0
      while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { total += chunk.count }
      try handle.close()
      readTimes.append(Date().timeIntervalSince(start))
      guard total == bytes else { throw BenchError("read \(total) of \(bytes) bytes") }

      start = Date()
      let docs = try CorpusReader.read(files: [path], field: "text", split: .paragraphs, limit: nil)
      ingestTimes.append(Date().timeIntervalSince(start))
      documents = docs.count
    }
    return Result(
      bytes: bytes, documents: documents, readMBps: Double(bytes) / 1e6 / median(readTimes),
      ingestMBps: Double(bytes) / 1e6 / median(ingestTimes))
  }

  /// Writes JSON Lines of about `bytes` bytes; returns the exact size.
  static func generate(path: String, bytes target: Int) throws -> Int {
    guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path) else {
      throw BenchError("cannot create \(path)")
    }
    defer { try? out.close() }
    let words = [
      "the", "neuron", "fires", "on", "fortune", "cookies", "and", "quoted", "\\\"speech\\\"", "naïve", "café", "東京",
      "emoji", "\\ud83d\\ude00", "tab\\tseparated", "line\\nbreak", "path\\/to", "\\u00e9t\\u00e9", "numbers", "1984",
      "of", "a", "in", "to", "is", "with", "überall", "Ελληνικά", "🙂", "back\\\\slash",
    ]
    var state: UInt64 = 0x1234_5678
    func next() -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int(truncatingIfNeeded: state >> 33)
    }
    var written = 0
    var buffer: [UInt8] = []
    buffer.reserveCapacity(8 << 20)
    var id = 0
    while written + buffer.count < target {
      var line = "{\"id\": \(id), \"source\": \"gen/\(id % 97)\", \"text\": \""
      let length = 200 + next() % 8000
      var n = 0
      while n < length {
        let w = words[next() % words.count]
        line += w
        line += next() % 12 == 0 ? ". " : " "
        n += w.utf8.count + 1
      }
      line += "\", \"meta\": {\"score\": \(Double(next() % 1000) / 7), \"tags\": [\"a\", \"b\"], \"ok\": true, \"none\": null}}\n"
      buffer += line.utf8
      id += 1
      if buffer.count >= 4 << 20 {
        try out.write(contentsOf: buffer)
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
      }
    }
    try out.write(contentsOf: buffer)
    written += buffer.count
    return written
  }
}
