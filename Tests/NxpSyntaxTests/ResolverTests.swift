import NxpCore
import NxpTestSupport
import Testing

@testable import NxpSyntax

let primitives: Set<String> = ["load", "corpus", "excerpts", "record", "topk", "neurons", "head", "save", "f", "g"]

func resolve(_ text: String, predefined: Resolver.Predefined = .init()) -> Program {
  Resolver(primitives: primitives, predefined: predefined).resolve(parse(text))
}

/// Resolves a marked snippet and checks each diagnostic's marker and message, in order.
func expectResolveErrors(
  _ marked: String, _ expected: [(String, String)], predefined: Resolver.Predefined = .init(),
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  let source = MarkedSource(marked)
  let program = Resolver(primitives: primitives, predefined: predefined).resolve(Parser.parse(source.file()))
  let want = expected.map { marker, message in (source[marker].map { "\($0)" } ?? "no \(marker)") + " " + message }
  #expect(located(program.diagnostics) == want, sourceLocation: sourceLocation)
}

@Suite struct ResolverTests {
  // MARK: - Order and dependencies

  @Test func orderOfStatementsDoesNotMatter() {
    let program = resolve(
      """
      show top
      top = topk(acts, k: n)
      acts = record(model, texts)
      param n = 20
      model = load("m")
      texts = corpus("c") |> excerpts(model)
      """)
    #expect(program.diagnostics.isEmpty)
    #expect(program.definitions.map(\.name) == ["model", "texts", "acts", "n", "top"])
    let top = program.definition(named: "top")
    #expect(top?.dependencies == ["acts", "n"])
    #expect(top?.primitives == ["topk"])
    #expect(top?.kind == .binding)
    #expect(program.definition(named: "texts")?.dependencies == ["model"])
    #expect(program.definition(named: "texts")?.primitives == ["corpus", "excerpts"])
    #expect(program.params.map(\.name) == ["n"])
    #expect(program.effects.map(\.dependencies) == [["top"]])
    #expect(program.effects.map(\.statementIndex) == [0])
    #expect(program.closure(of: ["texts"]).map(\.name) == ["model", "texts"])
  }

  @Test func dependenciesAndPrimitivesAreListedInSourceOrder() {
    let program = resolve("a = 1\nb = 2\nx = f(b) |> g(a) |> f(b, a)")
    #expect(program.definition(named: "x")?.dependencies == ["b", "a"])
    #expect(program.definition(named: "x")?.primitives == ["f", "g"])
  }

  @Test func paramsMayUseOtherParams() {
    let program = resolve(
      "param b = a * 2 + 1\nparam a = -(1)\nparam c = {k: [a, 6:1, \"s\", none, true, -1.5], r: (b * 2)...10}")
    #expect(program.diagnostics.isEmpty)
    #expect(program.definitions.map(\.name) == ["a", "b", "c"])
    #expect(program.definition(named: "c")?.dependencies == ["a", "b"])
  }

  // MARK: - Unknown names

  @Test func unknownNamesAndPrimitivesSuggestTheNearestName() {
    expectResolveErrors(
      """
      model = load("m")
      acts = record(1️⃣mdoel)
      top = 2️⃣topkk(acts) |> 3️⃣hed
      x = 4️⃣zzzz
      """,
      [
        ("1️⃣", "unknown name `mdoel`"), ("2️⃣", "unknown primitive `topkk`"), ("3️⃣", "unknown primitive `hed`"),
        ("4️⃣", "unknown name `zzzz`"),
      ])
    let program = resolve("model = load(\"m\")\nacts = record(mdoel)\ntop = topkk(acts) |> hed\nx = zzzz")
    #expect(
      program.diagnostics.map(\.help) == [
        ["did you mean `model`?"], ["did you mean `topk`?"], ["did you mean `head`?"], [],
      ])
  }

  @Test func anUnknownNameMaySuggestAPrimitive() {
    let program = resolve("x = recrod")
    #expect(program.diagnostics.map(\.help) == [["did you mean `record`?"]])
  }

  @Test func primitivesAreNotValuesAndValuesAreNotCallable() {
    expectResolveErrors(
      "model = load(\"m\")\nx = 1️⃣record\ny = 2️⃣model(1)\nparam p = 3\nz = 3 |> 3️⃣p",
      [
        ("1️⃣", "`record` is a primitive, not a value"),
        ("2️⃣", "cannot call `model`: it is a binding, not a primitive"),
        ("3️⃣", "cannot call `p`: it is a param, not a primitive"),
      ])
    #expect(resolve("x = record").diagnostics.map(\.help) == [["call it: record(...)"]])
  }

  // MARK: - Definitions

  @Test func aNameBoundTwiceNamesBothPlaces() {
    let source = MarkedSource("1️⃣x = 1\ny = x\n2️⃣x = 2\nparam 3️⃣n = 1\n4️⃣n = 2")
    let program = Resolver(primitives: primitives).resolve(Parser.parse(source.file()))
    #expect(
      located(program.diagnostics) == [
        "\(source["2️⃣"]!) `x` is defined more than once", "\(source["4️⃣"]!) `n` is defined more than once",
      ])
    #expect(
      located(program.diagnostics.flatMap(\.notes)) == [
        "\(source["1️⃣"]!) `x` is first defined here", "\(source["3️⃣"]!) `n` is first defined here",
      ])
    #expect(program.diagnostics.flatMap(\.notes).allSatisfy { $0.severity == .note && $0.file?.path == "test.nxp" })
  }

  @Test func paramsMustBeConstant() {
    expectResolveErrors(
      """
      model = load("m")
      param a = 1️⃣load("m")
      param b = 2 * 2️⃣model
      param c = 3️⃣[1, 2][0]
      param d = 4️⃣zz
      param e = 5️⃣a.x + 1
      param ok = (a * 2)...10
      """,
      [
        ("1️⃣", "param `a` must be a constant expression"), ("2️⃣", "param `b` must be a constant expression"),
        ("3️⃣", "param `c` must be a constant expression"), ("4️⃣", "unknown name `zz`"),
        ("5️⃣", "param `e` must be a constant expression"),
      ])
    let program = resolve("model = load(\"m\")\nparam a = load(\"m\")\nparam b = 2 * model\nparam c = [1][0]")
    #expect(
      program.diagnostics.map(\.help) == [
        ["a param cannot call a primitive; a param may use literals, other params and + - * /"],
        ["`model` is a binding; a param may use literals, other params and + - * /"],
        ["a param cannot use member access or indexing; a param may use literals, other params and + - * /"],
      ])
  }

  // MARK: - Cycles

  @Test func cyclesListTheirEdges() {
    let source = MarkedSource(
      """
      1️⃣a = f(2️⃣b)
      b = g(3️⃣a, c)
      c = 1
      4️⃣me = 5️⃣me + 1
      6️⃣p = q
      q = r
      r = p
      ok = c
      """)
    let program = Resolver(primitives: primitives).resolve(Parser.parse(source.file()))
    #expect(
      located(program.diagnostics) == [
        "\(source["1️⃣"]!) dependency cycle: a -> b -> a", "\(source["4️⃣"]!) dependency cycle: me -> me",
        "\(source["6️⃣"]!) dependency cycle: p -> q -> r -> p",
      ])
    #expect(
      located(program.diagnostics[0].notes) == [
        "\(source["2️⃣"]!) `a` uses `b` here", "\(source["3️⃣"]!) `b` uses `a` here",
      ])
    #expect(located(program.diagnostics[1].notes) == ["\(source["5️⃣"]!) `me` uses `me` here"])
    #expect(
      located(program.diagnostics[2].notes) == [
        "5:5 `p` uses `q` here", "6:5 `q` uses `r` here", "7:5 `r` uses `p` here",
      ])
    // What is not in a cycle is still ordered.
    #expect(program.definitions.map(\.name) == ["c", "ok"])
  }

  @Test func aLongChainIsOrderedWithoutRecursion() {
    let n = 20_000
    let text = (1..<n).map { "v\($0) = v\($0 - 1)" }.joined(separator: "\n") + "\nv0 = 1"
    let program = resolve(text)
    #expect(program.diagnostics.isEmpty)
    #expect(program.definitions.map(\.name) == (0..<n).map { "v\($0)" })
    let cyclic = resolve(text.replacingOccurrences(of: "v0 = 1", with: "v0 = v\(n - 1)"))
    #expect(
      cyclic.diagnostics.map(\.message) == [
        "dependency cycle: v1 -> v0 -> v19999 -> v19998 -> v19997 -> v19996 -> ... -> v3 -> v2 -> v1 (20000 definitions)"
      ])
    #expect(cyclic.diagnostics.first?.notes.count == 12)
  }

  // MARK: - Cells

  @Test func aCellRunsWithWhatItDependsOn() throws {
    let program = resolve(
      """
      # %% Load
      model = load("m")
      texts = corpus("c")
      # %% Record
      acts = record(model, texts)
      show acts
      # %% Other
      x = 1
      show x
      """)
    #expect(program.diagnostics.isEmpty)
    let record = try #require(program.cell(titled: "Record"))
    #expect(record.index == 2)
    let plan = try #require(program.plan(forCell: record.index))
    #expect(plan.definitions == ["acts"])
    #expect(plan.effects.map(\.statement.description) == ["show acts"])
    #expect(plan.required.map(\.name) == ["model", "texts", "acts"])
    #expect(program.plan(forCell: 3)?.required.map(\.name) == ["x"])
    #expect(program.plan(forCell: 0)?.required.map(\.name) == [])
    #expect(program.plan(forCell: 4) == nil)
    #expect(program.definition(named: "acts")?.cell == 2)
  }

  // MARK: - The REPL's earlier names

  @Test func predefinedNamesAreVisibleAndMayBeRedefined() {
    let predefined = Resolver.Predefined(params: ["layer"], bindings: ["acts"])
    let program = resolve("x = acts |> head(layer)\nacts = load(\"m\")", predefined: predefined)
    #expect(program.diagnostics.isEmpty)
    #expect(program.definition(named: "x")?.dependencies == ["acts", "layer"])
    expectResolveErrors(
      "param p = 1️⃣acts\ny = 2️⃣acts(1)\nparam q = layer + 1",
      [
        ("1️⃣", "param `p` must be a constant expression"),
        ("2️⃣", "cannot call `acts`: it is a value, not a primitive"),
      ], predefined: predefined)
  }

  // MARK: - Phases

  @Test func parseErrorsStopResolution() {
    let program = resolve("x = f(\ny = zz\n")
    #expect(located(program.diagnostics) == ["1:7 expected ')' after arguments"])
  }
}
