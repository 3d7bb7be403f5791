import Foundation
import NxpTestSupport
import Testing

@testable import NxpFormats

@Suite struct SafeTensorsCheckpointTests {
  /// Two shards and their index in `dir`: a and b in shard 1, c in shard 2.
  static func writeSharded(_ dir: TempDir, index: String? = nil) throws {
    var s1 = SafeTensorsWriter()
    try s1.add("a", shape: [2], floats: [1, 2])
    try s1.add("b", shape: [1], int64s: [7])
    var s2 = SafeTensorsWriter()
    try s2.add("c", shape: [1, 3], floats: [3, 4, 5], as: .f16)
    try dir.write(s1.data(), "model-00001-of-00002.safetensors")
    try dir.write(s2.data(), "model-00002-of-00002.safetensors")
    let json =
      index
      ?? #"{"metadata":{"total_size":26},"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors","b":"model-00001-of-00002.safetensors"}}"#
    try dir.write(Data(json.utf8), SafeTensorsCheckpoint.indexFileName)
  }

  @Test func shardedCheckpointIsOneLookup() throws {
    let dir = try TempDir()
    try Self.writeSharded(dir)
    let ckpt = try SafeTensorsCheckpoint.open(directory: dir.path)
    #expect(ckpt.indexPath == dir.path + "/" + SafeTensorsCheckpoint.indexFileName)
    #expect(ckpt.names == ["a", "b", "c"])
    #expect(ckpt.count == 3)
    #expect(
      ckpt.files.map { URL(fileURLWithPath: $0.path).lastPathComponent } == [
        "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
      ])
    #expect(try ckpt.floats("a") == [1, 2])
    #expect(try ckpt.int64s("b") == [7])
    #expect(try ckpt.floats("c") == [3, 4, 5])
    #expect(try ckpt.info("c").shape == [1, 3])
    #expect(try ckpt.info("c").dtype == .f16)
    #expect(Array(try ckpt.bytes("c")) == le([UInt16(0x4200), 0x4400, 0x4500]))
    #expect(try ckpt.file(containing: "c").path.hasSuffix("model-00002-of-00002.safetensors"))
    #expect(ckpt.contains("a") && !ckpt.contains("d"))
    #expect(throws: SafeTensorsError.missingTensor(path: ckpt.indexPath ?? "", tensor: "d")) { try ckpt.floats("d") }
  }

  @Test func singleFileFolder() throws {
    let dir = try TempDir()
    var w = SafeTensorsWriter()
    try w.add("w", shape: [1], floats: [9])
    try dir.write(w.data(), SafeTensorsCheckpoint.singleFileName)
    let ckpt = try SafeTensorsCheckpoint.open(directory: dir.path)
    #expect(ckpt.indexPath == nil)
    #expect(ckpt.names == ["w"])
    #expect(try ckpt.floats("w") == [9])
  }

  @Test func folderWithoutWeights() throws {
    let dir = try TempDir()
    try dir.write(Data("{}".utf8), "config.json")
    #expect(throws: SafeTensorsError.noWeights(directory: dir.path)) { try SafeTensorsCheckpoint.open(directory: dir.path) }
  }

  @Test func missingShardNamesTensorAndShard() throws {
    let dir = try TempDir()
    try Self.writeSharded(dir, index: #"{"weight_map":{"a":"model-00001-of-00002.safetensors","z":"model-00003-of-00003.safetensors"}}"#)
    #expect(throws: SafeTensorsError.missingShard(tensor: "z", shard: "model-00003-of-00003.safetensors")) {
      try SafeTensorsCheckpoint.open(directory: dir.path)
    }
  }

  @Test func tensorAbsentFromItsShard() throws {
    let dir = try TempDir()
    try Self.writeSharded(dir, index: #"{"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}"#)
    #expect(throws: SafeTensorsError.tensorNotInShard(tensor: "c", shard: "model-00001-of-00002.safetensors")) {
      try SafeTensorsCheckpoint.open(directory: dir.path)
    }
  }

  @Test func corruptShardReportsTheShard() throws {
    let dir = try TempDir()
    try Self.writeSharded(dir)
    let shard = try dir.write(SafeTensorsFault.truncatedData.apply(), "model-00002-of-00002.safetensors")
    #expect(throws: SafeTensorsError.dataLengthMismatch(path: shard, tensor: "bias", tensorsEnd: 36, dataLength: 33)) {
      try SafeTensorsCheckpoint.open(directory: dir.path)
    }
  }

  @Test(arguments: [
    (#"[1]"#, "the index is an array, not an object"),
    (#"{"metadata":{}}"#, "no 'weight_map'"),
    (#"{"weight_map":[]}"#, "'weight_map' is an array, not an object"),
    (#"{"weight_map":{"a":3}}"#, "weight_map entry 'a' is a number, not a file name"),
    (
      #"{"weight_map":{"a":"../model.safetensors"}}"#,
      "weight_map entry 'a' names '../model.safetensors', which is not a file in the index's folder"
    ),
    (#"{"weight_map":{"a":"/etc/passwd"}}"#, "weight_map entry 'a' names '/etc/passwd', which is not a file in the index's folder"),
    (#"{"weight_map":{"a":"x.safetensors","a":"x.safetensors"}}"#, "weight_map lists tensor 'a' twice"),
  ])
  func malformedIndex(json: String, detail: String) throws {
    let dir = try TempDir()
    let path = try dir.write(Data(json.utf8), SafeTensorsCheckpoint.indexFileName)
    #expect(throws: SafeTensorsError.badIndex(path: path, detail: detail)) { try SafeTensorsCheckpoint(indexPath: path) }
  }

  @Test func indexThatIsNotJSON() throws {
    let dir = try TempDir()
    let path = try dir.write(Data(#"{"weight_map": {"a": "x"},}"#.utf8), SafeTensorsCheckpoint.indexFileName)
    do {
      _ = try SafeTensorsCheckpoint(indexPath: path)
      Issue.record("expected an error")
    } catch let SafeTensorsError.badIndex(p, detail) {
      #expect(p == path)
      #expect(detail == "not valid JSON: expected a string key at byte 26")
    }
  }
}
