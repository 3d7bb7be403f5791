import Foundation
import NxpCore
import NxpRuntime
import Testing

// A value type declared the way every value type is: one class with its capabilities, and one
// registration (`adding(..., types:)`). Nothing in the runtime knows about it.

/// Grades of students: a small plain-data value.
final class Grades: RuntimeObject, JSONCacheable, Tabular, Sliceable, PositionIndexable {
  struct Payload: Codable {
    var names: [String]
    var marks: [Double]
  }
  static let typeName = "Grades"
  static let typeTag = "test-grades"
  static let itemType = ValueType.record
  static let itemNoun = "student"
  let payload: Payload
  init(payload: Payload) { self.payload = payload }

  var summary: String { "Grades of \(payload.names.count) students" }
  var itemCount: Int { payload.names.count }
  func slice(_ range: Range<Int>) -> RuntimeObject {
    Grades(payload: Payload(names: Array(payload.names[range]), marks: Array(payload.marks[range])))
  }
  func item(at index: Int) throws -> Value { .record([("name", .string(payload.names[index])), ("mark", .float(payload.marks[index]))]) }
  func asTable() -> Table {
    Table(
      columns: [.init("name", .string), .init("mark", .float)], rows: zip(payload.names, payload.marks).map { [.string($0), .float($1)] })
  }
}

/// `grades(n)`: n students with deterministic marks; counts its runs so tests see cache hits.
final class GradesOp: Primitive {
  nonisolated(unsafe) static var runs = 0
  let name = "grades"
  let version = 1
  var params: [Param] { [Param("n", .int, positional: true, doc: "how many students")] }
  let summary = "test grades"
  let example = "grades(3)"
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .object(ObjectType(Grades.self)) }
  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    GradesOp.runs += 1
    let n = try args.positiveInt("n")
    let names = (0..<n).map { "student\($0)" }
    return .object(Grades(payload: .init(names: names, marks: (0..<n).map { Double(($0 * 37) % 11) + 0.25 })))
  }
}

@Suite(.serialized) struct PluginValueTypeTests {
  let registry = PrimitiveRegistry.standard.adding([GradesOp()], types: [Grades.self])

  @Test func aNewValueTypeWorksWithTheTableVerbsIndexingSaveAndTheCache() throws {
    let f = try ScriptFixture(registry: registry)
    let script = """
      g = grades(6)
      best = g |> sort(by: "mark", descending: true) |> where("mark", above: 3) |> head(2)
      show best
      show g |> table |> tail(1)
      show g[2]
      save(g |> head(3), to: "out/g.csv")
      """
    try f.write("script.nxp", script)
    GradesOp.runs = 0
    let first = try f.run(file: "script.nxp", in: f.session)
    #expect(
      first == """
        name      mark
        --------  ------
        student5  9.2500
        student2  8.2500
        name      mark
        --------  ------
        student5  9.2500
        name  student2
        mark  8.2500

        """)
    #expect(try String(contentsOfFile: f.dir + "/out/g.csv", encoding: .utf8) == "name,mark\nstudent0,0.25\nstudent1,4.25\nstudent2,8.25\n")
    #expect(GradesOp.runs == 1)

    // A second session reads the value back from the cache through the registered codec.
    let second = f.freshSession(registry: registry)
    #expect(try f.run(file: "script.nxp", in: second) == first)
    #expect(GradesOp.runs == 1)
    #expect(second.evaluator.computed.isEmpty)
  }

  @Test func capabilitiesComeFromTheClass() {
    let t = ObjectType(Grades.self)
    #expect(t.name == "Grades")
    #expect(t.capabilities == [.tabular, .sliceable, .positionIndexable, .cacheable])
    #expect(ValueType.object(t).conforms(to: .capable(.tabular)))
    #expect(!ValueType.object(t).conforms(to: .capable(.neuronIndexable)))
    #expect(!ValueType.model.conforms(to: .capable(.tabular)))
  }

  @Test func aTypeWithoutTheCapabilityIsRefusedBeforeAnythingRuns() throws {
    let f = try ScriptFixture(registry: registry)
    let errors = try f.errors("m = load(\"missing-model.gguf\")\nshow m |> sort(by: \"x\")\nshow grades(2)[6:1]\n")
    #expect(errors.contains("cannot pipe Model into sort: argument `table` should be Tabular"))
    #expect(errors.contains("Tabular means a value that turns into a table"))
    #expect(errors.contains("cannot index Grades with Neuron (use a position such as [0])"))
  }
}
