import Foundation
import NxpCore
import NxpRuntime
import Testing

/// A value type the cache cannot store, made by a primitive that asks the run context for a
/// shared service, a progress task and a setting.
final class Opaque: RuntimeObject {
  static let typeName = "Opaque"
  let summary: String
  init(_ summary: String) { self.summary = summary }
}

final class Counter {
  var made = 0
  var closed = false
}

final class OpaqueOp: Primitive {
  let name = "opaque"
  let version = 1
  var params: [Param] { [Param("tag", .string, positional: true, doc: "a label")] }
  let summary = "test"
  let example = "opaque(\"a\")"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .object(ObjectType(Opaque.self)) }
  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let counter = ctx.services.service("test-counter", make: { Counter() }, shutdown: { $0.closed = true })
    counter.made += 1
    let task = ctx.reporter.progress("opaque", total: 2, unit: "steps", secondary: SecondaryRate(unit: "beats", factor: 4))
    task.advance(by: 2)
    task.finish()
    return .object(Opaque("opaque \(try args.string("tag")) #\(counter.made), checkpoints every \(ctx.settings.checkpointSeconds)s"))
  }
}

final class RecordingProgress: ProgressSink {
  var events: [String] = []
  func started(_ task: ProgressTask) { events.append("start \(task.title) \(task.done)/\(task.total) \(task.secondary?.unit ?? "")") }
  func updated(_ task: ProgressTask) { events.append("update \(task.done)") }
  func finished(_ task: ProgressTask) { events.append("finish") }
}

@Suite struct RunServicesTests {
  @Test func primitivesReachServicesProgressSettingsAndWarningsThroughTheRunContext() throws {
    let dir = try FileManager.default.url(
      for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: "/tmp"), create: true
    ).path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let progress = RecordingProgress()
    let reporter = CollectingReporter(progressSink: progress)
    let session = Session(
      cacheRoot: dir + "/.nxp/cache", environment: Environment(workingDirectory: dir), settings: RunSettings(checkpointSeconds: 5),
      reporter: reporter, registry: PrimitiveRegistry.standard.adding([OpaqueOp()]))
    try "show opaque(\"a\"), opaque(\"b\")\n".write(toFile: dir + "/s.nxp", atomically: true, encoding: .utf8)
    let (g, diagnostics) = session.graph(session.load(path: dir + "/s.nxp"))
    #expect(diagnostics.isEmpty)
    var out = ""
    try session.run(g!) { out += $0 }
    // One service for the whole session, made on first use.
    #expect(out == "opaque a #1, checkpoints every 5.0s\nopaque b #2, checkpoints every 5.0s\n")
    #expect(progress.events == ["start opaque 0/2 beats", "update 2", "finish", "start opaque 0/2 beats", "update 2", "finish"])
    #expect(reporter.warnings == ["Opaque values are not cached (opaque(\"a\"))", "Opaque values are not cached (opaque(\"b\"))"])
    let counter = session.evaluator.services.service("test-counter", make: { Counter() })
    #expect(counter.made == 2 && !counter.closed)
    session.close()
    #expect(counter.closed)
  }

  @Test func aTerminalsStyleShadesIn24BitOnlyWhenItHasColoursAndSaysSo() {
    let env = ["COLORTERM": "truecolor"]
    #expect(RenderStyle.terminal(colors: true, environment: env, width: 80).activationRenderer.style == .truecolor)
    #expect(RenderStyle.terminal(colors: true, environment: [:], width: 80).activationRenderer.style == .ansi256)
    #expect(RenderStyle.terminal(colors: false, environment: env, width: 80).activationRenderer.style == .plain)
  }

  @Test func settingsComeFromTheEnvironmentOnlyThroughTheFrontEnd() {
    let s = RunSettings.from(environment: ["NXP_CHECKPOINT_SECONDS": "0.5", "NXP_THREADS": "1"])
    #expect(s.checkpointSeconds == 0.5 && s.checkpointSecondsGiven && s.threads == 1)
    #expect(!RunSettings.from(environment: [:]).checkpointSecondsGiven)
    let d = RunSettings.from(environment: ["NXP_CHECKPOINT_SECONDS": "soon", "NXP_THREADS": "-2"])
    #expect(d.checkpointSeconds == 30 && d.threads == nil)
  }
}
