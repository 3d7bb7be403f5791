import Foundation
import NxpCore

/// A model's weights as one name -> tensor lookup, whether they are one safetensors file or
/// several shards listed by a `model.safetensors.index.json` (`{"weight_map": {name: shard}}`).
public final class SafeTensorsCheckpoint: @unchecked Sendable {
  /// The mapped files, in the order their shards are first named (one for a single file).
  public let files: [SafeTensorsFile]
  /// The index the shards were listed in, nil for a single file.
  public let indexPath: String?
  private let locations: [String: Location]

  private struct Location {
    var file: Int
    var info: SafeTensorInfo
  }

  /// The index file name Hugging Face uses for sharded checkpoints.
  public static let indexFileName = "model.safetensors.index.json"
  /// The file name Hugging Face uses for single-file checkpoints.
  public static let singleFileName = "model.safetensors"

  // MARK: - Opening

  /// A checkpoint of one file: every tensor in it.
  public init(file: SafeTensorsFile) {
    files = [file]
    indexPath = nil
    locations = Dictionary(file.tensors.map { ($0.name, Location(file: 0, info: $0)) }, uniquingKeysWith: { a, _ in a })
  }

  /// Opens a single safetensors file.
  public convenience init(path: String) throws {
    self.init(file: try SafeTensorsFile(path: path))
  }

  /// Opens a sharded checkpoint from its index; shard paths are relative to the index's folder.
  /// The tensors are those the `weight_map` lists, each checked to be in its shard.
  public init(indexPath: String) throws {
    self.indexPath = indexPath
    let weightMap = try SafeTensorsCheckpoint.readWeightMap(indexPath)
    let folder = URL(fileURLWithPath: indexPath).deletingLastPathComponent().path

    var shardOrder: [String] = []
    var shardIndex: [String: Int] = [:]
    var opened: [SafeTensorsFile] = []
    var locs: [String: Location] = [:]
    for (tensor, shard) in weightMap {
      let i: Int
      if let known = shardIndex[shard] {
        i = known
      } else {
        let path = folder + "/" + shard
        guard FileManager.default.fileExists(atPath: path) else {
          throw SafeTensorsError.missingShard(tensor: tensor, shard: shard)
        }
        opened.append(try SafeTensorsFile(path: path))
        i = opened.count - 1
        shardIndex[shard] = i
        shardOrder.append(shard)
      }
      guard let info = opened[i].tensorsByName[tensor] else {
        throw SafeTensorsError.tensorNotInShard(tensor: tensor, shard: shard)
      }
      locs[tensor] = Location(file: i, info: info)
    }
    files = opened
    locations = locs
  }

  /// Opens the weights of a Hugging Face model folder: the sharded index if there is one,
  /// else `model.safetensors`.
  public static func open(directory: String) throws -> SafeTensorsCheckpoint {
    let index = directory + "/" + indexFileName
    if FileManager.default.fileExists(atPath: index) { return try SafeTensorsCheckpoint(indexPath: index) }
    let single = directory + "/" + singleFileName
    if FileManager.default.fileExists(atPath: single) { return try SafeTensorsCheckpoint(path: single) }
    throw SafeTensorsError.noWeights(directory: directory)
  }

  // MARK: - Access

  /// Tensor names, sorted.
  public var names: [String] { locations.keys.sorted() }

  /// Number of tensors.
  public var count: Int { locations.count }

  /// Whether the checkpoint has a tensor called `name`.
  public func contains(_ name: String) -> Bool { locations[name] != nil }

  /// The tensor's dtype, shape and place in its shard; `missingTensor` if absent.
  public func info(_ name: String) throws -> SafeTensorInfo {
    try location(name).info
  }

  /// The file holding `name`.
  public func file(containing name: String) throws -> SafeTensorsFile {
    files[try location(name).file]
  }

  /// The raw little-endian bytes of a tensor, a view into its shard's map.
  public func bytes(_ name: String) throws -> UnsafeRawBufferPointer {
    let l = try location(name)
    return files[l.file].bytes(of: l.info)
  }

  /// The tensor's elements as Float (see `SafeTensorsFile.floats`).
  public func floats(_ name: String) throws -> [Float] {
    try file(containing: name).floats(name)
  }

  /// The elements of an integer or boolean tensor as Int64.
  public func int64s(_ name: String) throws -> [Int64] {
    try file(containing: name).int64s(name)
  }

  private func location(_ name: String) throws -> Location {
    guard let l = locations[name] else {
      throw SafeTensorsError.missingTensor(path: indexPath ?? files.first?.path ?? "", tensor: name)
    }
    return l
  }

  // MARK: - Index

  /// The index's `weight_map` in file order, validated: string values naming files inside the
  /// index's folder.
  static func readWeightMap(_ path: String) throws -> [(tensor: String, shard: String)] {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw SafeTensorsError.badIndex(path: path, detail: "cannot read the index: \(error.localizedDescription)")
    }
    let json: SafeTensorsJSON
    do {
      json = try data.withUnsafeBytes { try SafeTensorsJSON.parse($0) }
    } catch {
      throw SafeTensorsError.badIndex(path: path, detail: "not valid JSON: \(error)")
    }
    guard case .object(let top) = json else {
      throw SafeTensorsError.badIndex(path: path, detail: "the index is \(json.kind), not an object")
    }
    guard let wm = top.last(where: { $0.key == "weight_map" })?.value else {
      throw SafeTensorsError.badIndex(path: path, detail: "no 'weight_map'")
    }
    guard case .object(let pairs) = wm else {
      throw SafeTensorsError.badIndex(path: path, detail: "'weight_map' is \(wm.kind), not an object")
    }
    var out: [(tensor: String, shard: String)] = []
    var seen = Set<String>()
    for (tensor, v) in pairs {
      guard case .string(let shard) = v else {
        throw SafeTensorsError.badIndex(path: path, detail: "weight_map entry '\(tensor)' is \(v.kind), not a file name")
      }
      let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
      guard !shard.isEmpty, !shard.hasPrefix("/"), !parts.contains(".."), !parts.contains("") else {
        throw SafeTensorsError.badIndex(
          path: path, detail: "weight_map entry '\(tensor)' names '\(shard)', which is not a file in the index's folder")
      }
      guard seen.insert(tensor).inserted else {
        throw SafeTensorsError.badIndex(path: path, detail: "weight_map lists tensor '\(tensor)' twice")
      }
      out.append((tensor, shard))
    }
    return out
  }
}
