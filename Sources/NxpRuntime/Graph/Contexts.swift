import Foundation
import NxpCore
import NxpModels

/// Where things are: what primitives need to resolve paths and names before running.
public struct Environment: Sendable {
  /// Relative paths in a script resolve against the directory of the file that contains the call.
  public var workingDirectory: String
  public var modelsDirectory: String
  public var corporaDirectory: String
  public var variables: [String: String]

  public init(
    workingDirectory: String = FileManager.default.currentDirectoryPath,
    variables: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.workingDirectory = workingDirectory
    self.variables = variables
    let cacheHome = variables["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
    modelsDirectory = ModelRegistry.modelsDirectory(environment: variables)
    corporaDirectory = variables["NXP_CORPORA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? cacheHome + "/nxp/corpora"
  }
}

/// What a primitive sees while the graph is planned (before anything runs).
public struct PlanContext {
  public var environment: Environment
  /// The directory of the script that contains the call (or the working directory in the REPL).
  public var baseDirectory: String

  public init(environment: Environment, baseDirectory: String) {
    self.environment = environment
    self.baseDirectory = baseDirectory
  }

  /// A path as written in a script, made absolute.
  public func resolve(_ path: String) -> String {
    let expanded = (path as NSString).expandingTildeInPath
    if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
    return ((baseDirectory as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
  }
}

/// Saved progress of one long computation, keyed by the node it computes.
public protocol CheckpointAccess {
  /// The latest complete checkpoint, if a killed or interrupted run left one.
  func load() throws -> (step: Int, files: [String: Data])?
  /// Replaces the checkpoint atomically: a kill during the save keeps the previous one. `parts`
  /// hands each named part to the writer it is given, so large state streams to disk uncopied.
  func save(step: Int, parts: (_ write: (_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws
  /// Called once the final value is stored.
  func clear()
}

extension CheckpointAccess {
  /// Saves parts held in memory.
  public func save(step: Int, files: [String: Data]) throws {
    try save(step: step) { write in
      for (name, data) in files { try data.withUnsafeBytes { try write(name, $0) } }
    }
  }
}

/// What a primitive sees while it runs.
public final class RunContext {
  public let plan: PlanContext
  /// The cache key of the node being computed.
  public let key: String
  public let checkpoint: CheckpointAccess
  public let models: ModelPool
  public let style: RenderStyle

  public init(plan: PlanContext, key: String, checkpoint: CheckpointAccess, models: ModelPool, style: RenderStyle) {
    self.plan = plan
    self.key = key
    self.checkpoint = checkpoint
    self.models = models
    self.style = style
  }
}
