import ArgumentParser
import Foundation
import NxpCache
import NxpCore
import NxpRuntime

struct CacheCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cache",
    abstract: "Inspect and clean the cache of computed values.",
    subcommands: [List.self, Info.self, GC.self, Verify.self])

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List cached values, newest first.")
    @OptionGroup var cache: CacheOptions

    func run() throws {
      let store = try cache.markedStore()
      let entries = store.ls().sorted { $0.created > $1.created }
      if entries.isEmpty {
        Terminal.write("cache \(store.root) is empty\n")
        return
      }
      let rows: [[Value]] = entries.map { e in
        let binding: String
        if case .string(let b)? = e.info["binding"] { binding = b } else { binding = "" }
        var call = ""
        if case .string(let c)? = e.info["call"] { call = c }
        return [
          .string(String(e.key.prefix(12))), .string(e.primitive), .string(formatBytes(Int(e.byteSize))), .string(Self.age(e.created)),
          .string(binding), .string(call),
        ]
      }
      let table = Table(
        columns: [
          .init("key", .string), .init("primitive", .string), .init("size", .string), .init("created", .string), .init("binding", .string),
          .init("call", .string),
        ],
        rows: rows)
      Terminal.write(table.render(RenderStyle(colors: false, maxRows: Int.max, width: Terminal.width)))
      Terminal.write("\(entries.count) entries, \(formatBytes(Int(store.totalSize))) in \(store.root)\n")
    }

    static func age(_ d: Date) -> String {
      let s = Date().timeIntervalSince(d)
      if s < 60 { return "\(Int(s))s ago" }
      if s < 3600 { return "\(Int(s / 60))m ago" }
      if s < 86400 { return "\(Int(s / 3600))h ago" }
      return "\(Int(s / 86400))d ago"
    }
  }

  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the provenance manifest of one cached value.")
    @Argument(help: "A key or a unique prefix of one (as `cache ls` prints).") var key: String
    @OptionGroup var cache: CacheOptions

    func run() throws {
      let store = try cache.markedStore()
      do {
        let entry = try store.info(key)
        Terminal.write(String(decoding: try entry.manifest.encoded(), as: UTF8.self))
        Terminal.write("stored in \(entry.directory)\n")
      } catch {
        Terminal.printError("error: \(error)\n")
        throw ExitCode(ExitStatus.usage)
      }
    }
  }

  struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "gc",
      abstract: "Delete cached values that no script can reach any more.",
      discussion: """
        Keeps every value the given scripts' graphs name (with their current params) and everything the
        last run of each recorded script used; deletes the rest, plus abandoned partial writes.
        With no scripts, the scripts recorded in the cache's run log that still exist are the roots.
        """)
    @Argument(help: "Scripts whose values to keep.") var scripts: [String] = []
    @Flag(help: "Delete every cached value and every stored answer of a language-model request.") var all = false
    @Flag(help: "Also delete the stored answers of language-model requests (they are sent again when needed).")
    var requests = false
    @Flag(name: .customLong("dry-run"), help: "Only report what would be deleted.") var dryRun = false
    @OptionGroup var cache: CacheOptions

    func run() throws {
      // Before anything else touches the folder: gc deletes only in a folder nxp made.
      _ = try cache.markedStore()
      let session = Session(cacheRoot: cache.root)
      let store = session.cache
      var keep = Set<String>()
      if !all {
        let log = RunLog(store: store)
        let roots = scripts.isEmpty ? log.scripts().filter { FileManager.default.fileExists(atPath: $0) } : scripts
        for path in roots {
          let (graph, diagnostics) = session.graph(session.load(path: path))
          guard let graph else {
            Terminal.report(diagnostics)
            Terminal.printError("error: \(path) has errors; fix it or name other scripts, so gc does not delete what it uses\n")
            throw ExitCode(ExitStatus.scriptError)
          }
          keep.formUnion(graph.nodes.map(\.key))
          keep.formUnion(log.lastKeys(script: path).values)
        }
        // Whatever a kept value was computed from stays too (its manifest names its inputs).
        var work = Array(keep)
        while let k = work.popLast() {
          guard let entry = try? store.get(k) else { continue }
          for input in entry.manifest.inputs.values where keep.insert(input).inserted { work.append(input) }
        }
      }
      let answers = StoredRequests(cacheRoot: store.root)
      let answered = answers.usage()
      let dropAnswers = all || requests
      if dryRun {
        let doomed = store.ls().filter { !keep.contains($0.key) }
        Terminal.write(
          "would delete \(doomed.count) of \(store.ls().count) entries (\(formatBytes(Int(doomed.reduce(0) { $0 + $1.byteSize })))); keeping \(keep.count) keys\n"
        )
        if dropAnswers { Terminal.write("would delete \(Self.answers(answered))\n") }
        return
      }
      let report = try store.gc(keep: keep)
      Terminal.write(
        "deleted \(report.removedEntries.count) entries, \(report.removedCheckpoints.count) checkpoints, \(report.removedTemporaryFolders) abandoned writes; freed \(formatBytes(Int(report.freedBytes)))\n"
      )
      if dropAnswers {
        Terminal.write("deleted \(Self.answers(answers.removeAll()))\n")
      } else if answered.answers > 0 {
        Terminal.write("kept \(Self.answers(answered)), which any script asking the same requests reuses; --requests deletes them\n")
      }
    }

    static func answers(_ u: (answers: Int, bytes: Int64)) -> String {
      "\(u.answers) stored answer\(u.answers == 1 ? "" : "s") of language-model requests (\(formatBytes(Int(u.bytes))))"
    }
  }

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify", abstract: "Re-hash every cached file and report any that changed on disk.")
    @OptionGroup var cache: CacheOptions

    func run() throws {
      let store = try cache.markedStore()
      let report = try store.verifyAll()
      for (key, problem) in report.corrupt.sorted(by: { $0.key < $1.key }) { Terminal.write("\(key.prefix(12))  \(problem)\n") }
      Terminal.write("checked \(report.checked) entries: \(report.corrupt.count) corrupt\n")
      // Answers of language-model requests carry their own checksum; a bad one is removed.
      let answers = StoredRequests(cacheRoot: store.root).verify()
      for key in answers.corrupt { Terminal.write("\(key.prefix(12))  stored answer failed its checksum; removed\n") }
      if answers.checked > 0 {
        Terminal.write("checked \(answers.checked) stored answers of language-model requests: \(answers.corrupt.count) corrupt\n")
      }
      if !report.corrupt.isEmpty || !answers.corrupt.isEmpty { throw ExitCode(ExitStatus.runtimeError) }
    }
  }
}

extension CacheOptions {
  /// The store, once its folder is known to be an nxp cache (or does not exist yet); otherwise
  /// the error says what the folder is missing and the command exits with status 64.
  func markedStore() throws -> CacheStore {
    let store = CacheStore(root: root)
    do {
      try store.checkMarker()
    } catch {
      Terminal.printError("error: \(error)\n")
      throw ExitCode(ExitStatus.usage)
    }
    return store
  }
}
