import Foundation

/// Debian's headless Chromium, for tests that open the viewer's pages as a browser does.
public enum Browser {
  /// The `chromium` executable on PATH (or at Debian's path), if installed.
  public static let path: String? = {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
    for d in dirs {
      for name in ["chromium", "chromium-browser"] where FileManager.default.isExecutableFile(atPath: d + "/" + name) {
        return d + "/" + name
      }
    }
    return nil
  }()

  /// Tests run when chromium is installed or NXP_REQUIRE_BROWSER is set (then a missing browser
  /// fails them instead of skipping).
  public static var enabled: Bool {
    path != nil || !(ProcessInfo.processInfo.environment["NXP_REQUIRE_BROWSER"] ?? "").isEmpty
  }

  static func run(_ arguments: [String]) throws -> CommandResult {
    guard let path else {
      throw TestSupportError("chromium is not installed: `scripts/setup.sh --test` installs it (apt-get install chromium)")
    }
    // A profile of its own per run, so parallel tests and the user's browser never share one.
    let profile = try TestEnvironment.temporaryDirectory("nxp-chromium")
    defer { try? FileManager.default.removeItem(atPath: profile) }
    let r = try CommandRunner.run(
      path,
      ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--user-data-dir=\(profile)", "--virtual-time-budget=5000"]
        + arguments)
    guard r.status == 0 else { throw TestSupportError("chromium \(arguments.joined(separator: " ")) failed: \(r)") }
    return r
  }

  /// The DOM of the page at `file` after its scripts ran (and after any redirect they made).
  public static func dumpDOM(_ file: String) throws -> String {
    try run(["--dump-dom", URL(fileURLWithPath: file).absoluteString]).stdout
  }

  /// A PNG of the page at `file` as a window of `width` x `height` pixels shows it.
  public static func screenshot(_ file: String, to png: String, width: Int = 1280, height: Int = 1600) throws {
    _ = try run(["--screenshot=\(png)", "--window-size=\(width),\(height)", "--hide-scrollbars", URL(fileURLWithPath: file).absoluteString])
    guard FileManager.default.fileExists(atPath: png) else { throw TestSupportError("chromium wrote no screenshot at \(png)") }
  }
}

/// Pages read by Python's html.parser (Tests/Reference/html_inventory.py): their elements,
/// scripts, text and links, as a browser's tokenizer sees them.
public struct HTMLInventory: Decodable {
  public var elements: [[Element]]
  public var scripts: [Script]
  public var text: String
  public var links: [String]

  public enum Element: Decodable {
    case tag(String)
    case attributes([String: String])
    public init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let s = try? c.decode(String.self) { self = .tag(s) } else { self = .attributes(try c.decode([String: String].self)) }
    }
  }

  public struct Script: Decodable {
    public var attrs: [String: String]
    public var content: String
  }

  /// Start tags as (tag, attributes).
  public var tags: [(name: String, attributes: [String: String])] {
    elements.compactMap { e in
      guard e.count == 2, case .tag(let name) = e[0], case .attributes(let a) = e[1] else { return nil }
      return (name, a)
    }
  }

  /// Every file of `paths` read by the reference parser.
  public static func read(_ paths: [String]) throws -> [String: HTMLInventory] {
    try JSONDecoder().decode([String: HTMLInventory].self, from: try PythonReference.run("html_inventory.py", paths))
  }
}
