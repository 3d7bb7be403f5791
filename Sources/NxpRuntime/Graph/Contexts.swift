import Foundation
import NxpCore
import NxpLLM
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

/// Settings of a run that change how work is done, never its result (so they stay out of keys).
public struct RunSettings: Sendable {
  /// Seconds between checkpoints of long primitives (`record`).
  public var checkpointSeconds: Double
  /// The interval was asked for (`NXP_CHECKPOINT_SECONDS`): the first checkpoint comes after it,
  /// not after an estimate of what saving costs.
  public var checkpointSecondsGiven = false
  /// Threads for the numeric kernels; nil leaves the library's default (one per core).
  public var threads: Int?

  public init(checkpointSeconds: Double = 30, threads: Int? = nil) {
    self.checkpointSeconds = checkpointSeconds
    self.threads = threads
  }

  /// Settings from the process environment: `NXP_CHECKPOINT_SECONDS` (tests kill runs between
  /// checkpoints) and `NXP_THREADS`. Read by the front end, never by a primitive.
  public static func from(environment: [String: String]) -> RunSettings {
    var s = RunSettings()
    if let v = environment["NXP_CHECKPOINT_SECONDS"].flatMap(Double.init), v > 0 {
      s.checkpointSeconds = v
      s.checkpointSecondsGiven = true
    }
    if let v = environment["NXP_THREADS"].flatMap(Int.init), v > 0 { s.threads = v }
    return s
  }
}

/// Long-lived services shared by every primitive of a session (a backend's HTTP client, a loaded
/// chat model), made on first use and shut down when the session ends.
public final class ServicePool: @unchecked Sendable {
  private let lock = NSLock()
  private var services: [String: AnyObject] = [:]
  private var shutdowns: [() -> Void] = []

  public init() {}

  /// The service under `key`, made by `make` the first time; `shutdown` runs at `closeAll()`.
  public func service<T: AnyObject>(_ key: String, make: () throws -> T, shutdown: ((T) -> Void)? = nil) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    if let s = services[key] as? T { return s }
    let s = try make()
    services[key] = s
    if let shutdown { shutdowns.append { shutdown(s) } }
    return s
  }

  /// Every service of type `T`, by key, in key order.
  public func all<T>(_ type: T.Type) -> [(key: String, service: T)] {
    lock.lock()
    defer { lock.unlock() }
    return services.keys.sorted().compactMap { k in (services[k] as? T).map { (k, $0) } }
  }

  /// Shuts every service down, newest first; the pool is empty afterwards.
  public func closeAll() {
    lock.lock()
    let pending = shutdowns
    shutdowns = []
    services = [:]
    lock.unlock()
    for s in pending.reversed() { s() }
  }
}

/// What a primitive sees while it runs: where things are, its checkpoint, the session's shared
/// models and services, its settings, and where to report warnings and progress.
public final class RunContext {
  public let plan: PlanContext
  /// The cache key of the node being computed.
  public let key: String
  public let checkpoint: CheckpointAccess
  public let models: ModelPool
  public let services: ServicePool
  public let style: RenderStyle
  public let settings: RunSettings
  public let reporter: Reporter
  /// Where answers of language-model requests are kept (nil: not kept).
  public let requestStore: RequestStore?

  public init(
    plan: PlanContext, key: String, checkpoint: CheckpointAccess, models: ModelPool, services: ServicePool = ServicePool(),
    style: RenderStyle, settings: RunSettings = RunSettings(), reporter: Reporter = CollectingReporter(),
    requestStore: RequestStore? = nil
  ) {
    self.requestStore = requestStore
    self.plan = plan
    self.key = key
    self.checkpoint = checkpoint
    self.models = models
    self.services = services
    self.style = style
    self.settings = settings
    self.reporter = reporter
  }
}
