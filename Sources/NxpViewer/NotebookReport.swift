import Foundation

// A run of a script as a notebook (`nxp run FILE --report out.html`), in plain values: the
// runtime records what each cell showed, computed and loaded; NotebookPage draws it.

/// One run of a script: its cells in source order, and where its values came from.
public struct NotebookReport: Sendable {
  public enum Outcome: Sendable, Equatable {
    case completed
    /// The run stopped at an error; the cell that failed holds it.
    case failed
    case interrupted
  }

  /// The script's path as it was given to `nxp run`.
  public var script: String
  public var started: Date
  public var seconds: Double
  public var outcome: Outcome
  public var cells: [NotebookCell]
  public var computed: Int
  public var loaded: Int
  public var saved: Int
  public var provenance: NotebookProvenance

  public init(
    script: String, started: Date, seconds: Double, outcome: Outcome, cells: [NotebookCell], computed: Int, loaded: Int, saved: Int,
    provenance: NotebookProvenance
  ) {
    self.script = script
    self.started = started
    self.seconds = seconds
    self.outcome = outcome
    self.cells = cells
    self.computed = computed
    self.loaded = loaded
    self.saved = saved
    self.provenance = provenance
  }
}

/// One `# %%` cell: its code, and, when it ran, what it showed and what its values cost.
public struct NotebookCell: Sendable {
  public var index: Int
  public var title: String?
  /// The cell's lines with their numbers in the script (lines for the test suite, `# expect:`,
  /// are left out).
  public var code: [(line: Int, text: String)]
  /// True when the cell's statements ran; false for a cell of definitions only (they run when
  /// something uses them) and for one `--cell` left out (`skipped`).
  public var ran: Bool
  public var skipped: Bool
  public var seconds: Double?
  public var outputs: [NotebookOutput]
  /// Values computed while the cell ran, and values loaded from the cache.
  public var computed: [NotebookValue]
  public var loaded: [NotebookValue]

  public init(
    index: Int, title: String?, code: [(line: Int, text: String)], ran: Bool = false, skipped: Bool = false, seconds: Double? = nil,
    outputs: [NotebookOutput] = [], computed: [NotebookValue] = [], loaded: [NotebookValue] = []
  ) {
    self.index = index
    self.title = title
    self.code = code
    self.ran = ran
    self.skipped = skipped
    self.seconds = seconds
    self.outputs = outputs
    self.computed = computed
    self.loaded = loaded
  }
}

/// Something a cell produced, in order.
public struct NotebookOutput: Sendable {
  public enum Kind: Sendable, Equatable {
    /// What `show` printed, as the terminal draws it (ANSI colours and shading included).
    case shown
    /// A statement that acts (`save`, `view`) ran.
    case ran
    case note
    case warning
    case error
  }

  public var kind: Kind
  /// The statement's line, for shown and ran outputs.
  public var line: Int?
  /// The statement's code, for shown and ran outputs.
  public var code: String?
  public var text: String

  public init(kind: Kind, line: Int? = nil, code: String? = nil, text: String) {
    self.kind = kind
    self.line = line
    self.code = code
    self.text = text
  }
}

/// A value a cell computed or loaded.
public struct NotebookValue: Sendable {
  /// The binding's name, or the call's text for an unnamed value.
  public var name: String
  public var primitive: String
  /// How long computing it took (when it was computed, in this run or the one that cached it).
  public var seconds: Double?
  /// When it was computed, for a value loaded from the cache.
  public var computedAt: Date?
  /// Short provenance lines the value keeps (backend, ledger of language-model calls).
  public var notes: [(String, String)]

  public init(name: String, primitive: String, seconds: Double?, computedAt: Date? = nil, notes: [(String, String)] = []) {
    self.name = name
    self.primitive = primitive
    self.seconds = seconds
    self.computedAt = computedAt
    self.notes = notes
  }
}

/// What produced the run's values: nxp, the script, the files read, the language models asked.
public struct NotebookProvenance: Sendable {
  public var nxpVersion: String
  /// The script's content hash.
  public var scriptHash: String
  public var cache: String
  /// `--set NAME=VALUE` overrides, as given.
  public var overrides: [(String, String)]
  /// Files whose content the values depend on (model weights, corpora, text files), by path.
  public var files: [(path: String, hash: String)]
  /// What each language-model backend cost in this run (`local:...: 24 requests, ...`).
  public var ledgers: [String]

  public init(
    nxpVersion: String, scriptHash: String, cache: String, overrides: [(String, String)], files: [(path: String, hash: String)],
    ledgers: [String]
  ) {
    self.nxpVersion = nxpVersion
    self.scriptHash = scriptHash
    self.cache = cache
    self.overrides = overrides
    self.files = files
    self.ledgers = ledgers
  }
}
