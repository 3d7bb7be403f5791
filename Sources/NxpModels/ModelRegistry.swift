import Foundation
import NxpFormats
import NxpTokenizer

/// Where a model's files are.
public enum ModelLocation: Sendable, Equatable {
  /// A single GGUF file holding configuration, weights and tokenizer.
  case gguf(path: String)
  /// A Hugging Face folder: `config.json`, `model.safetensors` (or an index and shards), and
  /// usually `tokenizer.json`.
  case huggingFace(directory: String)
}

/// Resolves model names to files and loads them.
public enum ModelRegistry {
  /// Short names for models nxp knows, mapped to their file in the models folder.
  public static let aliases: [String: String] = ["smollm2-135m": "SmolLM2-135M-Instruct.Q4_1.gguf"]

  /// nxp's models folder: `NXP_MODELS_DIR`, else `$XDG_CACHE_HOME/nxp/models`, else
  /// `~/.cache/nxp/models`.
  public static func modelsDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let d = environment["NXP_MODELS_DIR"], !d.isEmpty { return d }
    if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/nxp/models" }
    return NSHomeDirectory() + "/.cache/nxp/models"
  }

  // MARK: - Resolution

  /// The location of an alias (looked up in the models folder), a `.gguf` path or a Hugging Face
  /// folder path. A known alias whose file is missing is an error that gives the install command.
  public static func resolve(
    _ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> ModelLocation {
    let fm = FileManager.default
    if let file = aliases[nameOrPath.lowercased()] {
      let path = modelsDirectory(environment: environment) + "/" + file
      guard fm.fileExists(atPath: path) else { throw ModelError.modelNotInstalled(name: nameOrPath, path: path) }
      return .gguf(path: path)
    }
    let path = (nameOrPath as NSString).expandingTildeInPath
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ModelError.modelNotFound(nameOrPath) }
    if isDirectory.boolValue {
      guard fm.fileExists(atPath: path + "/config.json") else {
        throw ModelError.missingFile(path: path, detail: "a Hugging Face model folder needs config.json")
      }
      return .huggingFace(directory: path)
    }
    return .gguf(path: path)
  }

  /// Every file loading `nameOrPath` reads, in a stable order, so callers can hash them for cache
  /// keys without loading weights. For a sharded checkpoint this reads only the index.
  public static func files(
    _ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> [String] {
    try files(of: resolve(nameOrPath, environment: environment))
  }

  /// Every file loading `location` reads (see `files(_:environment:)`).
  public static func files(of location: ModelLocation) throws -> [String] {
    switch location {
    case .gguf(let path):
      return [path]
    case .huggingFace(let dir):
      let fm = FileManager.default
      var list = [dir + "/config.json"]
      let index = dir + "/" + SafeTensorsCheckpoint.indexFileName
      if fm.fileExists(atPath: index) {
        list.append(index)
        let data = try Data(contentsOf: URL(fileURLWithPath: index))
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
          let map = json["weight_map"] as? [String: String]
        else { throw ModelError.missingFile(path: index, detail: "has no weight_map") }
        list += Set(map.values).sorted().map { dir + "/" + $0 }
      } else {
        let single = dir + "/" + SafeTensorsCheckpoint.singleFileName
        guard fm.fileExists(atPath: single) else {
          throw ModelError.missingFile(path: dir, detail: "has neither model.safetensors nor model.safetensors.index.json")
        }
        list.append(single)
      }
      for name in ["tokenizer.json", "tokenizer_config.json"] where fm.fileExists(atPath: dir + "/" + name) {
        list.append(dir + "/" + name)
      }
      return list
    }
  }

  // MARK: - Loading

  /// Loads a model: memory-maps its weights, converts layer weights to float32 once, keeps the
  /// token embedding in its stored type, and sets up the tokenizer to be built on first use.
  public static func load(
    _ nameOrPath: String, threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount),
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> TransformerModel {
    let location = try resolve(nameOrPath, environment: environment)
    let model = try load(location, threads: threads)
    model.name = aliases[nameOrPath.lowercased()] != nil ? nameOrPath.lowercased() : URL(fileURLWithPath: nameOrPath).lastPathComponent
    return model
  }

  /// Loads the model at `location` (see `load(_:threads:environment:)`).
  public static func load(
    _ location: ModelLocation, threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
  ) throws -> TransformerModel {
    switch location {
    case .gguf(let path):
      let file = try GGUFFile(path: path)
      let configuration = try ModelConfiguration(gguf: file)
      let model = try TransformerModel.loaded(
        configuration, from: GGUFWeightSource(file), naming: .gguf(configuration.architecture), threads: threads)
      if file.metadata["tokenizer.ggml.tokens"] != nil {
        model.setTokenizer { try BPETokenizer(gguf: file) }
      }
      model.sourceFiles = [path]
      model.name = URL(fileURLWithPath: path).lastPathComponent
      return model

    case .huggingFace(let dir):
      let configPath = dir + "/config.json"
      let configData: Data
      do {
        configData = try Data(contentsOf: URL(fileURLWithPath: configPath))
      } catch {
        throw ModelError.missingFile(path: configPath, detail: "cannot be read")
      }
      let configuration = try ModelConfiguration(huggingFaceConfig: configData, path: configPath)
      let checkpoint = try SafeTensorsCheckpoint.open(directory: dir)
      let source = SafeTensorsWeightSource(checkpoint)
      let naming: TensorNaming
      switch configuration.architecture {
      case .llama, .qwen2: naming = .huggingFaceLlama
      case .gpt2: naming = .huggingFaceGPT2(prefix: checkpoint.contains("wte.weight") ? "" : "transformer.")
      }
      let model = try TransformerModel.loaded(configuration, from: source, naming: naming, threads: threads)
      let tokenizerPath = dir + "/tokenizer.json"
      if FileManager.default.fileExists(atPath: tokenizerPath) {
        model.setTokenizer {
          let json = try Data(contentsOf: URL(fileURLWithPath: tokenizerPath))
          let config = try? Data(contentsOf: URL(fileURLWithPath: dir + "/tokenizer_config.json"))
          return try BPETokenizer(tokenizerJSON: json, tokenizerConfig: config)
        }
      }
      model.sourceFiles = try files(of: location)
      model.name = URL(fileURLWithPath: dir).lastPathComponent
      return model
    }
  }
}
