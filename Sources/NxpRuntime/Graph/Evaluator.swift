import Foundation
import NxpCache
import NxpCore
import NxpLLM

/// The nxp version recorded in manifests.
public let nxpVersion = "0.1.0"

/// A failure while computing a node, tied to the call that failed.
public struct RuntimeFailure: Error, CustomStringConvertible {
  public var site: CallSite
  public var message: String

  public var diagnostic: Diagnostic {
    Diagnostic(.error, message, file: site.file, range: site.range)
  }
  public var description: String { diagnostic.description }
}

/// Pulls values out of the graph: from memory, from the disk cache, or by running the primitive
/// after its inputs. Only what is asked for is computed.
public final class Evaluator {
  public let cache: CacheStore
  public let environment: Environment
  public let models: ModelPool
  public let services: ServicePool
  public var style: RenderStyle
  public var settings: RunSettings
  /// Where warnings, notes and progress go; the front end renders them.
  public let reporter: Reporter
  /// Reads cached values back.
  public let codec: ValueCodec
  /// Answers of language-model requests, beside the cache's values.
  public lazy var requestStore: RequestStore = StoredRequests(cacheRoot: cache.root).store
  /// Values computed or loaded in this session, by key.
  private var memory: [String: Value] = [:]
  /// Nodes computed (not loaded) in this session, for summaries and tests.
  public private(set) var computed: [String] = []
  /// Nodes loaded from disk in this session.
  public private(set) var loaded: [String] = []
  /// Sinks run in this session (`save`): they act every time their statement runs.
  public private(set) var sinksRun = 0

  public init(
    cache: CacheStore, environment: Environment, models: ModelPool? = nil, services: ServicePool = ServicePool(),
    style: RenderStyle = RenderStyle(), settings: RunSettings = RunSettings(), reporter: Reporter = CollectingReporter(),
    codec: ValueCodec = PrimitiveRegistry.standard.codec
  ) {
    self.codec = codec
    self.cache = cache
    self.environment = environment
    self.models = models ?? ModelPool(threads: settings.threads)
    self.services = services
    self.style = style
    self.settings = settings
    self.reporter = reporter
  }

  public func value(_ lowered: Lowered) throws -> Value {
    switch lowered {
    case .constant(let v): return v
    case .node(let n): return try value(n)
    }
  }

  /// Whether a node's value is available without computing (in memory or in the cache).
  public func isAvailable(_ node: Node) -> Bool {
    if memory[node.key] != nil { return true }
    return node.primitive.persists && ((try? cache.get(node.key)) ?? nil) != nil
  }

  public func isInMemory(_ node: Node) -> Bool { memory[node.key] != nil }

  public func value(_ node: Node) throws -> Value {
    if let v = memory[node.key] { return v }
    if node.primitive.persists, let entry = try? cache.read(node.key, reporter: reporter) {
      if let tag = entry.manifest.info["type"], case .string(let t) = tag {
        do {
          let v = try codec.decode(tag: t, files: entry.files)
          memory[node.key] = v
          loaded.append(node.key)
          return v
        } catch {
          // An entry that passed its checksums but does not decode (written by another build of
          // nxp, say) is recomputed.
          reporter.warning("the cached value of \(node.site.text) could not be read (\(error)); computing it again")
          _ = try? cache.remove(node.key)
        }
      }
    }
    var args: [String: Value] = [:]
    for (name, arg) in node.arguments {
      switch arg {
      case .constant(let c): args[name] = c
      case .node(let input): args[name] = try value(input)
      }
    }
    try Cancellation.check()
    let plan = PlanContext(environment: environment, baseDirectory: baseDirectory(node))
    let checkpoint = LazyCheckpoint(store: cache, key: node.key, reporter: reporter)
    defer { checkpoint.close() }
    let ctx = RunContext(
      plan: plan, key: node.key, checkpoint: checkpoint, models: models, services: services, style: style, settings: settings,
      reporter: reporter, requestStore: requestStore)
    let started = Date()
    let result: Value
    do {
      result = try node.primitive.run(Arguments(args, primitive: node.primitive.name), ctx)
    } catch is ValueAppeared {
      checkpoint.close()
      return try value(node)
    } catch let e as Interrupted {
      throw e
    } catch let e as RuntimeFailure {
      throw e
    } catch {
      throw RuntimeFailure(site: node.site, message: "\(error)")
    }
    let wall = Date().timeIntervalSince(started)
    if node.primitive.persists {
      try store(result, node: node, wallTime: wall)
      checkpoint.clear()
    }
    if node.primitive.isSink {
      sinksRun += 1
      return result
    }
    memory[node.key] = result
    // Handles recreated from their arguments (a model before its weights load) are not work.
    if node.primitive.persists { computed.append(node.key) }
    return result
  }

  private func store(_ value: Value, node: Node, wallTime: Double) throws {
    let tag: String
    var write: (String) throws -> Void
    if case .object(let o) = value {
      guard let c = o as? any CacheCodable else {
        reporter.warning("\(o.valueType) values are not cached (\(node.site.text))")
        return
      }
      tag = type(of: c).typeTag
      write = { try c.write(into: $0) }
    } else {
      do {
        let (t, files) = try ValueCodec.encode(value)
        tag = t
        write = { dir in for (name, data) in files { try data.write(to: URL(fileURLWithPath: dir + "/" + name)) } }
      } catch {
        reporter.warning("could not cache \(node.site.text): \(error)")
        return
      }
    }
    var manifest = Manifest(
      primitive: node.primitive.name, primitiveVersion: node.primitive.version,
      parameters: node.constants.mapValues { ManifestValue($0.canonical) },
      inputs: Dictionary(uniqueKeysWithValues: node.inputs.map { ($0.0, $0.1.key) }),
      fileHashes: node.fileHashes, nxpVersion: nxpVersion, wallTime: wallTime,
      info: ["type": .string(tag), "call": .string(node.site.text)])
    if let b = node.bindingName { manifest.info["binding"] = .string(b) }
    if case .object(let o) = value, let notes = o as? ProvenanceNotes {
      for (name, line) in notes.provenanceNotes { manifest.info[name] = .string(line) }
    }
    do {
      try cache.put(node.key, manifest: manifest, writing: { staging in try write(staging.path) })
    } catch {
      // A full disk must not lose the computed value for this run; say so and go on.
      reporter.warning("could not cache \(node.site.text): \(error)")
    }
  }

  private func baseDirectory(_ node: Node) -> String {
    guard let file = node.site.file, !file.path.hasPrefix("<") else { return environment.workingDirectory }
    let abs = file.path.hasPrefix("/") ? file.path : environment.workingDirectory + "/" + file.path
    return (abs as NSString).deletingLastPathComponent
  }
}

/// Another process stored the value while this one waited for its lock.
struct ValueAppeared: Error {}

/// Opens the checkpoint store for a key only when a primitive asks for it, so quick primitives
/// never take the lock. When another process holds it (it is computing the same value), waits
/// for it rather than computing twice.
final class LazyCheckpoint: CheckpointAccess {
  let store: CacheStore
  let key: String
  let reporter: Reporter
  private var opened: CheckpointStore?

  init(store: CacheStore, key: String, reporter: Reporter) {
    self.store = store
    self.key = key
    self.reporter = reporter
  }

  private func open() throws -> CheckpointStore {
    if let opened { return opened }
    var waitingFor: Int32?
    while true {
      do {
        let s = try CheckpointStore(store: store, key: key, wait: waitingFor == nil ? 0 : 1)
        opened = s
        // The process we waited for may have finished the value meanwhile.
        if waitingFor != nil, (try? store.get(key)) ?? nil != nil { throw ValueAppeared() }
        return s
      } catch CacheError.busy(_, let pid) {
        if waitingFor == nil {
          reporter.note("waiting for nxp process \(pid), which is computing the same value...")
        }
        waitingFor = pid
        try Cancellation.check()
      }
    }
  }

  func load() throws -> (step: Int, files: [String: Data])? {
    guard let c = try open().load(reporter: reporter) else { return nil }
    var files: [String: Data] = [:]
    for name in c.records.keys {
      guard let path = c.path(name), let data = FileManager.default.contents(atPath: path) else { return nil }
      files[name] = data
    }
    return (c.step, files)
  }

  func save(step: Int, parts: ((String, UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    try open().save(
      step: step,
      writing: { staging in
        try parts { name, bytes in
          let path = try staging.path(for: name)
          guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw UserError("cannot write checkpoint part \(path)")
          }
          defer { try? handle.close() }
          try AtomicFile.writeAll(handle, bytes)
        }
      })
  }

  func clear() {
    try? opened?.clear()
  }

  func close() {
    opened?.close()
    opened = nil
  }
}
