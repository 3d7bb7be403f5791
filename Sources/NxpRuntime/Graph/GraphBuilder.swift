import Foundation
import NxpCore
import NxpInterp
import NxpSyntax

/// Lowers a resolved program to a graph: folds constants, matches arguments to parameters,
/// checks types, and computes every node's key. All problems come back as diagnostics with
/// locations; nothing runs.
public struct GraphBuilder {
  public let registry: PrimitiveRegistry
  public let environment: Environment
  /// Values given on the command line (`--set layer=10`) or with `:set`, by param name.
  public let overrides: [String: Value]
  public let hashFile: (String) throws -> String

  public init(
    registry: PrimitiveRegistry, environment: Environment, overrides: [String: Value], hashFile: @escaping (String) throws -> String
  ) {
    self.registry = registry
    self.environment = environment
    self.overrides = overrides
    self.hashFile = hashFile
  }

  /// The graph, or the diagnostics that stop it from being built, in source order.
  public func build(_ program: Program) -> (Graph?, [Diagnostic]) {
    let (graph, diagnostics) = lower(program)
    let ordered = diagnostics.enumerated().sorted { a, b in
      let x = a.element, y = b.element
      if (x.file?.path ?? "") != (y.file?.path ?? "") { return a.offset < b.offset }
      let ox = x.range?.start.offset ?? -1, oy = y.range?.start.offset ?? -1
      return ox != oy ? ox < oy : a.offset < b.offset
    }.map(\.element)
    return (graph, ordered)
  }

  func lower(_ program: Program) -> (Graph?, [Diagnostic]) {
    var state = LoweringState(builder: self)
    var diagnostics = program.diagnostics
    // After resolver errors, lowering still runs so one pass reports every problem; definitions
    // that use unknown names lower to nothing without further messages.
    if program.diagnostics.contains(where: { $0.severity == .error }) && program.definitions.isEmpty && program.effects.isEmpty {
      return (nil, diagnostics)
    }

    // Overrides must name params.
    let paramNames = Set(program.params.map(\.name))
    for name in overrides.keys.sorted() where !paramNames.contains(name) {
      var help: [String] = []
      if let s = NameSuggester.suggest(name, from: paramNames) { help.append("did you mean `\(s)`?") }
      if paramNames.isEmpty {
        help.append("the script declares no params")
      } else {
        help.append("params: \(paramNames.sorted().joined(separator: ", "))")
      }
      diagnostics.append(Diagnostic(.error, "`--set \(name)=...` names no param of \(program.script.file.path)", help: help))
    }

    var order: [String] = []
    for def in program.definitions {
      state.file = def.file
      switch def.kind {
      case .param:
        state.lowerParam(def)
      case .binding:
        if let v = state.lower(def.value), !state.rejectSinkBinding(v, def) {
          if case .node(let n) = v, n.bindingName == nil { n.bindingName = def.name }
          state.bindings[def.name] = v
        }
        order.append(def.name)
      }
    }

    var effects: [GraphEffect] = []
    state.file = program.script.file
    for effect in program.effects {
      var values: [Lowered] = []
      var ok = true
      for e in effect.expressions {
        if let v = state.lower(e) { values.append(v) } else { ok = false }
      }
      guard ok else { continue }
      var isSink = false
      if case .expression = effect.statement.kind, case .node(let n) = values.first, n.primitive.isSink { isSink = true }
      if case .show = effect.statement.kind {
        for (v, e) in zip(values, effect.expressions) {
          if case .node(let n) = v, n.primitive.isSink {
            state.error("`show` of \(n.primitive.name)(...), which returns nothing; call it on its own line", e.range)
          }
        }
      }
      effects.append(GraphEffect(effect: effect, values: values, isSinkCall: isSink))
    }
    diagnostics += state.diagnostics
    if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
    let graph = Graph(program: program, params: state.params, bindings: state.bindings, order: order, effects: effects)

    // Keys, in dependency order; a missing file surfaces here, at its call, once: the calls that
    // use a node whose key failed are skipped rather than reporting the same file again.
    var failed = Set<ObjectIdentifier>()
    for node in graph.nodes {
      if node.inputs.contains(where: { failed.contains(ObjectIdentifier($0.1)) }) {
        failed.insert(ObjectIdentifier(node))
        continue
      }
      let plan = PlanContext(environment: environment, baseDirectory: node.site.file.map(baseDirectory) ?? environment.workingDirectory)
      do {
        try KeyBuilder(plan: plan, hashFile: hashFile).assignKey(node)
      } catch {
        failed.insert(ObjectIdentifier(node))
        diagnostics.append(Diagnostic(.error, "\(error)", file: node.site.file, range: node.site.range))
      }
    }
    if diagnostics.contains(where: { $0.severity == .error }) { return (nil, diagnostics) }
    return (graph, diagnostics)
  }

  func baseDirectory(_ file: SourceFile) -> String {
    if file.path.hasPrefix("<") { return environment.workingDirectory }
    let abs = file.path.hasPrefix("/") ? file.path : environment.workingDirectory + "/" + file.path
    return (abs as NSString).deletingLastPathComponent
  }
}

// MARK: - Lowering

struct LoweringState {
  let builder: GraphBuilder
  var file: SourceFile?
  var params: [String: Value] = [:]
  var bindings: [String: Lowered] = [:]
  var diagnostics: [Diagnostic] = []

  init(builder: GraphBuilder) { self.builder = builder }

  mutating func error(_ message: String, _ range: SourceRange?, help: [String] = []) {
    diagnostics.append(Diagnostic(.error, message, file: file, range: range, help: help))
  }

  mutating func lowerParam(_ def: Definition) {
    let lowered = lower(def.value)
    guard case .constant(let declared)? = lowered else {
      // nil: the expression's own error is already reported.
      if lowered != nil { error("param `\(def.name)` must be a constant", def.value.range) }
      return
    }
    if let given = builder.overrides[def.name] {
      guard given.type.conforms(to: declared.type) || declared.isNone else {
        // Params that depend on this one go on with the declared value, so one bad value is one error.
        params[def.name] = declared
        let declaredType = LoweringState.withArticle(declared.type.description)
        var message =
          "the value given for param `\(def.name)` is \(LoweringState.withArticle(given.type.description)), but `\(def.name)` is \(declaredType)"
        if case .string(let text) = given, let problem = ParamOverride.problem(text) {
          message = "the value given for param `\(def.name)` (\(declaredType)) is not usable: \(problem)"
        }
        diagnostics.append(
          Diagnostic(
            .error, message, file: def.file, range: def.nameRange, help: ["give it as \(def.name)=\(declared) or another \(declared.type)"])
        )
        return
      }
      // An Int given for a Float param stays a Float, so the key does not depend on how it was typed.
      if case .float = declared, case .int(let i) = given { params[def.name] = .float(Double(i)) } else { params[def.name] = given }
    } else {
      params[def.name] = declared
    }
  }

  /// How the input of a pipe reads in a call's text: the node's own text when the input made a
  /// node (shortened, so a chain of thousands of pipes stays linear), else the source.
  static func siteText(_ e: Expr, _ v: Lowered) -> String {
    if case .name = e.kind { return e.description }
    if case .node(let n) = v { return TerminalText.abbreviated(n.site.text, limit: 400) }
    return e.description
  }

  /// "an Int", "a Float".
  static func withArticle(_ noun: String) -> String {
    (noun.first.map { "AEIOU".contains($0) } ?? false ? "an " : "a ") + noun
  }

  /// `x = save(...)` would bind nothing and run nothing: an error that says to write the call
  /// as a statement. True when it reported that.
  mutating func rejectSinkBinding(_ v: Lowered, _ def: Definition) -> Bool {
    guard case .node(let n) = v, n.primitive.isSink else { return false }
    error(
      "`\(def.name) = \(n.primitive.name)(...)` binds nothing: \(n.primitive.name) returns no value", def.value.range,
      help: ["write `\(n.primitive.name)(...)` as a statement on its own line, without `\(def.name) =`, to run it"])
    return true
  }

  /// Lowers an expression; nil after reporting an error.
  mutating func lower(_ e: Expr) -> Lowered? {
    switch e.kind {
    case .int(let i): return .constant(.int(i))
    case .float(let f): return .constant(.float(f))
    case .string(let s): return .constant(.string(s))
    case .bool(let b): return .constant(.bool(b))
    case .none: return .constant(.null)
    case .neuron(let l, let i): return .constant(.neuron(NeuronID(layer: l, index: i)))
    case .name(let n):
      if let p = params[n] { return .constant(p) }
      if let b = bindings[n] { return b }
      // The resolver reported unknown names; a name whose definition failed to lower is silent.
      return nil
    case .list(let items):
      var values: [Value] = []
      for item in items {
        guard let v = lower(item) else { return nil }
        guard case .constant(let c) = v else {
          error("a list can only hold values known before running; \(item) is computed", item.range)
          return nil
        }
        values.append(c)
      }
      return .constant(.list(values))
    case .record(let fields):
      var values: [(String, Value)] = []
      for f in fields {
        guard let v = lower(f.value) else { return nil }
        guard case .constant(let c) = v else {
          error("a record can only hold values known before running; \(f.value) is computed", f.value.range)
          return nil
        }
        values.append((f.key, c))
      }
      return .constant(.record(values))
    case .range(let lo, let hi, let closed):
      guard let l = constantInt(lo, "a range bound"), let h = constantInt(hi, "a range bound") else { return nil }
      guard !closed || h < Int.max else {
        error(
          "range upper bound \(h) is too large: \(l)...\(h) would hold more than \(Int.max) numbers", hi.range,
          help: ["integers are 64-bit"])
        return nil
      }
      let upper = closed ? h + 1 : h
      guard l <= upper else {
        error("empty range: \(l) is past \(closed ? h : h - 1)", e.range)
        return nil
      }
      return .constant(.range(l..<upper))
    case .unary(.negate, let operand):
      guard let v = constantNumber(operand) else { return nil }
      switch v {
      case .int(let i):
        guard i != Int.min else {
          error("-(\(i)) overflows: integers are 64-bit, from \(Int.min) to \(Int.max)", e.range)
          return nil
        }
        return .constant(.int(-i))
      case .float(let f): return .constant(.float(-f))
      default: return nil
      }
    case .binary, .pipe:
      return lowerChain(e)
    case .call(let call):
      return lowerCall(call, piped: nil, range: e.range)
    case .member(let base, let name):
      guard let b = lower(base) else { return nil }
      if case .constant(.record(let fields)) = b {
        if let v = fields.first(where: { $0.0 == name.name }) { return .constant(v.1) }
        var help: [String] = []
        if let s = NameSuggester.suggest(name.name, from: fields.map(\.0)) { help.append("did you mean `\(s)`?") }
        error("the record has no field `\(name.name)`", name.range, help: help)
        return nil
      }
      error("`.\(name.name)`: member access works on records; \(base) is a \(b.type)", name.range)
      return nil
    case .index(let base, let index):
      guard let b = lower(base), let i = lower(index) else { return nil }
      if case .constant(let bv) = b, case .constant(let iv) = i {
        return constantIndex(bv, iv, index.range).map { .constant($0) }
      }
      return makeNode(
        registry.index, arguments: ["value": (b, base.range), "index": (i, index.range)],
        site: CallSite(file: file, range: e.range, text: e.description))
    }
  }

  var registry: PrimitiveRegistry { builder.registry }

  /// `a + b - c`, `x |> f |> g`: lowered along the left spine in a loop, so a chain of any length
  /// needs no deeper recursion than one of its terms.
  mutating func lowerChain(_ e: Expr) -> Lowered? {
    let (start, links) = e.chain
    guard var value = lower(start) else { return nil }
    var lhs = start
    for (link, expr) in links {
      switch link {
      case .binary(let op, let rhs):
        guard let x = constantNumber(value, lhs), let y = constantNumber(rhs), let r = arithmetic(op, x, y, expr.range) else { return nil }
        value = .constant(r)
      case .pipe(let call):
        guard let v = lowerCall(call, piped: (lhs, value), range: expr.range) else { return nil }
        value = v
      }
      lhs = expr
    }
    return value
  }

  mutating func constantNumber(_ e: Expr) -> Value? {
    guard let v = lower(e) else { return nil }
    return constantNumber(v, e)
  }

  mutating func constantNumber(_ v: Lowered, _ e: Expr) -> Value? {
    guard case .constant(let c) = v, c.double != nil else {
      error("arithmetic needs numbers known before running; \(e) is \(v.type)", e.range)
      return nil
    }
    return c
  }

  mutating func constantInt(_ e: Expr, _ what: String) -> Int? {
    guard let v = lower(e) else { return nil }
    guard case .constant(.int(let i)) = v else {
      error("\(what) must be an Int known before running; \(e) is \(v.type)", e.range)
      return nil
    }
    return i
  }

  /// Folds `x op y` with checked arithmetic: an Int result that does not fit in 64 bits, or a
  /// Float result that overflows to infinity or underflows to zero, is an error at the expression.
  mutating func arithmetic(_ op: BinaryOperator, _ x: Value, _ y: Value, _ range: SourceRange) -> Value? {
    if case .int(let a) = x, case .int(let b) = y {
      let result: (partialValue: Int, overflow: Bool)
      switch op {
      case .add: result = a.addingReportingOverflow(b)
      case .subtract: result = a.subtractingReportingOverflow(b)
      case .multiply: result = a.multipliedReportingOverflow(by: b)
      case .divide:
        guard b != 0 else {
          error("division by zero", range)
          return nil
        }
        // Int / Int stays an Int only when exact, so `n / 2` never silently truncates.
        let q = a.dividedReportingOverflow(by: b)
        if !q.overflow && a % b == 0 { return .int(q.partialValue) }
        if !q.overflow { return .float(Double(a) / Double(b)) }
        result = q
      }
      guard !result.overflow else {
        error(
          "\(a) \(op.rawValue) \(b) overflows: integers are 64-bit, from \(Int.min) to \(Int.max)", range,
          help: ["write one of the numbers as a Float (e.g. \(a).0) to compute in floating point"])
        return nil
      }
      return .int(result.partialValue)
    }
    let a = x.double!, b = y.double!
    let r: Double
    switch op {
    case .add: r = a + b
    case .subtract: r = a - b
    case .multiply: r = a * b
    case .divide:
      guard b != 0 else {
        error("division by zero", range)
        return nil
      }
      r = a / b
    }
    if !r.isFinite {
      error("\(x) \(op.rawValue) \(y) overflows: the result is beyond \(Double.greatestFiniteMagnitude)", range)
      return nil
    }
    if r == 0 && a != 0 && (op == .multiply || op == .divide) {
      error("\(x) \(op.rawValue) \(y) underflows: the result is too small to represent and would be 0", range)
      return nil
    }
    return .float(r)
  }

  mutating func constantIndex(_ base: Value, _ index: Value, _ range: SourceRange) -> Value? {
    switch (base, index) {
    case (.list(let items), .int(let i)):
      guard items.indices.contains(i) else {
        error("index \(i) is out of range for a list of \(items.count)", range)
        return nil
      }
      return items[i]
    case (.record(let fields), .string(let k)):
      if let v = fields.first(where: { $0.0 == k }) { return v.1 }
      error("the record has no field \"\(k)\"", range)
      return nil
    default:
      error("cannot index \(base.type) with \(index.type)", range)
      return nil
    }
  }

  // MARK: - Calls

  mutating func lowerCall(_ call: Call, piped: (expr: Expr, value: Lowered)?, range: SourceRange) -> Lowered? {
    guard let primitive = registry.primitive(call.callee.name) else { return nil }  // reported by the resolver
    let params = primitive.params
    var matched: [String: (Lowered, SourceRange)] = [:]
    var failed = false
    // A piped value fills the first positional parameter its type fits, so both
    // `corpus |> excerpts(model)` and `excerpts(model, corpus)` read naturally.
    if let (piped, v) = piped {
      let positionals = params.filter(\.positional)
      guard let p = positionals.first(where: { v.type.conforms(to: $0.type) }) ?? positionals.first else {
        error("\(primitive.name) takes no positional argument to pipe into", piped.range, help: ["signature: \(primitive.signature)"])
        return nil
      }
      guard v.type.conforms(to: p.type) else {
        error(
          "cannot pipe \(v.type) into \(primitive.name): argument `\(p.name)` should be \(p.type)", piped.range,
          help: ["\(p.name): \(p.doc)"] + p.type.capabilityHelp)
        return nil
      }
      matched[p.name] = (v, piped.range)
    }
    var positional = params.filter(\.positional).makeIterator()
    for arg in call.arguments {
      let param: Param
      if let label = arg.label {
        guard let p = params.first(where: { $0.name == label.name }) else {
          var help: [String] = []
          if let s = NameSuggester.suggest(label.name, from: params.map(\.name)) { help.append("did you mean `\(s):`?") }
          help.append("\(primitive.name) takes " + params.map { "`\($0.name):`" }.joined(separator: ", "))
          error("\(primitive.name) has no parameter `\(label.name):`", label.range, help: help)
          failed = true
          continue
        }
        param = p
      } else {
        // Positional arguments fill positional params left to right, skipping labelled ones.
        var next = positional.next()
        while let n = next, matched[n.name] != nil { next = positional.next() }
        guard let p = next else {
          let count = params.filter(\.positional).count
          error(
            "\(primitive.name) takes \(count) positional argument\(count == 1 ? "" : "s"); label the others", arg.range,
            help: ["signature: \(primitive.signature)"])
          failed = true
          continue
        }
        param = p
      }
      if matched[param.name] != nil {
        error("argument `\(param.name)` of \(primitive.name) is given twice", arg.range)
        failed = true
        continue
      }
      guard let v = lower(arg.value) else {
        failed = true
        continue
      }
      guard v.type.conforms(to: param.type) else {
        error(
          "argument `\(param.name)` of \(primitive.name) should be \(param.type), got \(v.type)", arg.value.range,
          help: ["\(param.name): \(param.doc)"] + param.type.capabilityHelp)
        failed = true
        continue
      }
      matched[param.name] = (v, arg.value.range)
    }
    for p in params where p.isRequired && matched[p.name] == nil && !failed {
      error("\(primitive.name) needs `\(p.name):` (\(p.doc))", call.range, help: ["signature: \(primitive.signature)"])
      failed = true
    }
    if failed { return nil }
    let text = piped.map { "\(LoweringState.siteText($0.expr, $0.value)) |> \(call)" } ?? call.description
    return makeNode(primitive, arguments: matched, site: CallSite(file: file, range: range, text: text))
  }

  mutating func makeNode(_ primitive: Primitive, arguments: [String: (Lowered, SourceRange)], site: CallSite) -> Lowered? {
    var args: [String: NodeArgument] = [:]
    var types: [String: ValueType] = [:]
    for p in primitive.params {
      if let (v, _) = arguments[p.name] {
        switch v {
        case .constant(let c): args[p.name] = .constant(c)
        case .node(let n): args[p.name] = .node(n)
        }
        types[p.name] = v.type
      } else if let d = p.defaultValue {
        args[p.name] = .constant(d)
        types[p.name] = d.type
      }
    }
    do {
      let result = try primitive.resultType(types)
      return .node(Node(primitive: primitive, arguments: args, site: site, resultType: result))
    } catch {
      self.error("\(error)", site.range)
      return nil
    }
  }
}
