import Foundation

/// The provenance record stored as `manifest.json` beside an entry's value files.
///
/// The caller describes the computation; `CacheStore.put` fills in `key`, `created` and `files`.
/// Entries whose manifest has another `formatVersion` are misses, never trusted.
public struct Manifest: Codable, Equatable, Sendable {
  /// The layout version of manifests and entries this build reads and writes (2: every file
  /// record carries an XXH64 checksum, checked whenever the value is read).
  public static let currentFormatVersion = 2

  public var formatVersion: Int
  /// The entry's key (64 hex characters).
  public var key: String
  /// The primitive that computed the value and its version (bumped when its output changes).
  public var primitive: String
  public var primitiveVersion: Int
  /// The parameters after defaults were filled in.
  public var parameters: [String: ManifestValue]
  /// The keys of the input values, by argument name.
  public var inputs: [String: String]
  /// SHA-256 of each external file the computation read, by path.
  public var fileHashes: [String: String]
  /// The nxp version that computed the value.
  public var nxpVersion: String
  /// Seconds the computation took.
  public var wallTime: Double
  /// When the entry was stored.
  public var created: Date
  /// Size, SHA-256 and XXH64 checksum of each value file, by file name.
  public var files: [String: FileRecord]
  /// Free-form provenance (binding name, backend and model identities); never secrets.
  public var info: [String: ManifestValue]

  /// What is known about one value file: `sha256` is its identity (`nxp cache verify`), `xxh64`
  /// a fast checksum (16 hex digits) compared every time the value is read.
  public struct FileRecord: Codable, Equatable, Sendable {
    public var size: Int64
    public var sha256: String
    public var xxh64: String
    public init(size: Int64, sha256: String, xxh64: String) {
      self.size = size
      self.sha256 = sha256
      self.xxh64 = xxh64
    }
  }

  public init(
    primitive: String, primitiveVersion: Int, parameters: [String: ManifestValue] = [:],
    inputs: [String: String] = [:], fileHashes: [String: String] = [:], nxpVersion: String,
    wallTime: Double = 0, info: [String: ManifestValue] = [:]
  ) {
    self.formatVersion = Manifest.currentFormatVersion
    self.key = ""
    self.primitive = primitive
    self.primitiveVersion = primitiveVersion
    self.parameters = parameters
    self.inputs = inputs
    self.fileHashes = fileHashes
    self.nxpVersion = nxpVersion
    self.wallTime = wallTime
    self.created = Manifest.now()
    self.files = [:]
    self.info = info
  }

  /// Total bytes of the value files.
  public var byteSize: Int64 { files.values.reduce(0) { $0 + $1.size } }

  // MARK: - Coding

  enum CodingKeys: String, CodingKey {
    case formatVersion = "format_version"
    case key, primitive
    case primitiveVersion = "primitive_version"
    case parameters, inputs
    case fileHashes = "file_hashes"
    case nxpVersion = "nxp_version"
    case wallTime = "wall_time_seconds"
    case created, files, info
  }

  /// Reads only the format version, so a manifest from another format is recognised as such
  /// even when its other fields no longer decode.
  struct VersionProbe: Decodable {
    var formatVersion: Int
    enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
  }

  /// The current time in whole seconds, as precise as the manifest's ISO 8601 dates, so an
  /// entry read back equals the one written.
  static func now() -> Date {
    Date(timeIntervalSince1970: Double(Int64(Date().timeIntervalSince1970)))
  }

  /// Pretty, key-sorted JSON so manifests diff well and read easily from Python.
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    var data = try encoder.encode(self)
    data.append(UInt8(ascii: "\n"))
    return data
  }

  public static func decode(_ data: Data) throws -> Manifest {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(Manifest.self, from: data)
  }
}
