import Foundation

/// A run as one self-contained HTML page: each cell's code, what it showed (tables and shaded
/// records as the terminal drew them), its timings and where its values came from, then the
/// run's provenance. No script and nothing from the network: it reads the same from a mail
/// attachment as from disk.
public struct NotebookPage {
  public let report: NotebookReport

  public init(_ report: NotebookReport) { self.report = report }

  static let dates: DateFormatter = {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
    return f
  }()

  var name: String { (report.script as NSString).lastPathComponent }

  public func html() -> String {
    var out = """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="nxp \(HTMLText.attribute(report.provenance.nxpVersion))">
      <title>\(HTMLText.text(name)) · nxp notebook</title>
      <style>\(NotebookPage.css)</style>
      </head>
      <body>
      <header class="bar"><span class="brand">nxp <span>notebook</span></span><span class="file">\(HTMLText.text(report.script))</span></header>
      <main>

      """
    out += "<h1>\(HTMLText.text(name))</h1>\n" + summary() + contents()
    for cell in report.cells { out += self.cell(cell) }
    out += provenance()
    out += """
      </main>
      <footer class="foot">Written by nxp \(HTMLText.text(report.provenance.nxpVersion)) from <code>nxp run \(HTMLText.text(report.script)) --report</code>. The page is self-contained: no script, nothing loaded from elsewhere.</footer>
      </body>
      </html>

      """
    return out
  }

  func summary() -> String {
    let outcome: String
    switch report.outcome {
    case .completed: outcome = "<span class=\"ok\">completed</span>"
    case .failed: outcome = "<span class=\"bad\">stopped at an error</span>"
    case .interrupted: outcome = "<span class=\"bad\">interrupted</span>"
    }
    var parts = [
      "ran \(NotebookPage.dates.string(from: report.started))", NotebookPage.duration(report.seconds),
      "\(report.computed) computed", "\(report.loaded) loaded from the cache",
    ]
    if report.saved > 0 { parts.append("\(report.saved) saved") }
    parts.append(outcome)
    return "<p class=\"summary\">" + parts.joined(separator: " · ") + "</p>\n"
  }

  /// Links to the titled cells, when there are several.
  func contents() -> String {
    let titled = report.cells.filter { $0.title != nil }
    guard titled.count > 1 else { return "" }
    var out = "<nav class=\"toc\"><ol>"
    for c in titled {
      out += "<li><a href=\"#cell-\(c.index)\">\(HTMLText.text(c.title!))</a>"
      if let s = c.seconds { out += " <span class=\"t\">\(NotebookPage.duration(s))</span>" }
      out += "</li>"
    }
    return out + "</ol></nav>\n"
  }

  func cell(_ c: NotebookCell) -> String {
    var out = "<section class=\"cell\(c.ran ? "" : " idle")\" id=\"cell-\(c.index)\">\n<div class=\"chead\">"
    out += "<span class=\"cn\">[\(c.index)]</span>"
    out +=
      c.title.map { "<h2>\(HTMLText.text($0))</h2>" } ?? "<h2 class=\"untitled\">\(c.index == 0 ? "Before the first cell" : "Cell")</h2>"
    var badges: [String] = []
    if let s = c.seconds { badges.append("<span class=\"badge\" title=\"time the cell took\">\(NotebookPage.duration(s))</span>") }
    if !c.computed.isEmpty { badges.append("<span class=\"badge computed\">\(c.computed.count) computed</span>") }
    if !c.loaded.isEmpty { badges.append("<span class=\"badge cached\">\(c.loaded.count) from cache</span>") }
    if c.skipped {
      badges.append("<span class=\"badge\" title=\"--cell ran another cell\">not run</span>")
    } else if !c.ran {
      badges.append("<span class=\"badge\" title=\"its values are computed where they are used\">definitions</span>")
    }
    out += "<span class=\"badges\">" + badges.joined() + "</span></div>\n"
    out += NotebookPage.code(c.code)
    for o in c.outputs { out += output(o) }
    if !c.computed.isEmpty || !c.loaded.isEmpty { out += values(c) }
    return out + "</section>\n"
  }

  func output(_ o: NotebookOutput) -> String {
    let caption =
      o.code.map { code in
        "<div class=\"ocap\"><span class=\"ln\">\(o.line.map(String.init) ?? "")</span><code>\(HTMLText.text(code))</code></div>"
      } ?? ""
    switch o.kind {
    case .shown:
      return "<div class=\"out\">\(caption)<pre>\(TerminalHTML.html(o.text))</pre></div>\n"
    case .ran:
      return "<div class=\"out ran\">\(caption)<p>\(HTMLText.text(o.text))</p></div>\n"
    case .note:
      return "<p class=\"msg note\">\(NotebookPage.linked(o.text))</p>\n"
    case .warning:
      return "<p class=\"msg warn\"><strong>warning</strong> \(HTMLText.text(o.text))</p>\n"
    case .error:
      return "<div class=\"msg err\"><strong>error</strong><pre>\(TerminalHTML.html(o.text))</pre></div>\n"
    }
  }

  func values(_ c: NotebookCell) -> String {
    var out = "<details class=\"values\"><summary>Values: "
    var parts: [String] = []
    if !c.computed.isEmpty { parts.append("\(c.computed.count) computed") }
    if !c.loaded.isEmpty { parts.append("\(c.loaded.count) loaded from the cache") }
    out +=
      parts.joined(separator: ", ")
      + "</summary>\n<table><thead><tr><th>value</th><th>by</th><th>source</th><th class=\"num\">time</th><th>notes</th></tr></thead><tbody>\n"
    for (v, computed) in c.computed.map({ ($0, true) }) + c.loaded.map({ ($0, false) }) {
      var source = computed ? "computed" : "cache"
      if !computed, let at = v.computedAt { source += " <span class=\"t\">(computed \(NotebookPage.dates.string(from: at)))</span>" }
      let notes = v.notes.map { "<span class=\"k\">\(HTMLText.text($0.0))</span> \(HTMLText.text($0.1))" }.joined(separator: "<br>")
      out +=
        "<tr><td><code>\(HTMLText.text(v.name))</code></td><td>\(HTMLText.text(v.primitive))</td><td>\(source)</td><td class=\"num\">\(v.seconds.map(NotebookPage.duration) ?? "")</td><td>\(notes)</td></tr>\n"
    }
    return out + "</tbody></table></details>\n"
  }

  func provenance() -> String {
    let p = report.provenance
    var rows: [(String, String)] = [
      ("nxp", HTMLText.text(p.nxpVersion)),
      ("script", "<code>\(HTMLText.text(report.script))</code> <span class=\"t\">content hash \(HTMLText.text(p.scriptHash))</span>"),
      ("cache", "<code>\(HTMLText.text(p.cache))</code>"),
    ]
    if !p.overrides.isEmpty {
      rows.append(
        ("overrides", p.overrides.map { "<code>--set \(HTMLText.text($0.0))=\(HTMLText.text($0.1))</code>" }.joined(separator: "<br>")))
    }
    rows.append(
      (
        "files read",
        p.files.isEmpty
          ? "<span class=\"t\">none</span>"
          : p.files.map { "<code>\(HTMLText.text($0.path))</code> <span class=\"t\">\(HTMLText.text($0.hash))</span>" }.joined(
            separator: "<br>")
      ))
    rows.append(
      (
        "language models",
        p.ledgers.isEmpty
          ? "<span class=\"t\">no request sent in this run (values that used one say so under their cell)</span>"
          : p.ledgers.map(HTMLText.text).joined(separator: "<br>")
      ))
    var out = "<section class=\"prov\" id=\"provenance\"><h2>Provenance</h2>\n<table>"
    for (k, v) in rows { out += "<tr><th>\(k)</th><td>\(v)</td></tr>\n" }
    return out + "</table></section>\n"
  }

  // MARK: - Pieces

  /// `0.42 s`, `12.3 s`, `2 min 05 s`.
  static func duration(_ s: Double) -> String {
    if s < 10 { return String(format: "%.2f s", s) }
    if s < 60 { return String(format: "%.1f s", s) }
    let whole = Int(s.rounded())
    return String(format: "%d min %02d s", whole / 60, whole % 60)
  }

  /// A note with its `file://` address made a link (view says where it wrote the viewer).
  static func linked(_ text: String) -> String {
    guard let r = text.range(of: "file://") else { return HTMLText.text(text) }
    let address = text[r.lowerBound...].prefix { !$0.isWhitespace }
    let after = text[address.endIndex...]
    return HTMLText.text(String(text[..<r.lowerBound])) + "<a href=\"\(HTMLText.attribute(String(address)))\">"
      + HTMLText.text(String(address)) + "</a>" + HTMLText.text(String(after))
  }

  /// The cell's code with line numbers; comments and strings are shaded.
  static func code(_ code: [(line: Int, text: String)]) -> String {
    var out = "<pre class=\"code\">"
    for (number, text) in code { out += "<span class=\"ln\">\(number)</span>" + highlighted(text) + "\n" }
    return out + "</pre>\n"
  }

  /// One line of nxp: `#` outside a string starts a comment; strings run between double quotes
  /// with backslash escapes.
  static func highlighted(_ line: String) -> String {
    var out = ""
    var plain = ""
    var chars = line.makeIterator()
    func flushPlain() {
      out += HTMLText.text(plain)
      plain = ""
    }
    while let c = chars.next() {
      if c == "#" {
        flushPlain()
        var rest = "#"
        while let d = chars.next() { rest.append(d) }
        out += "<span class=\"cm\">\(HTMLText.text(rest))</span>"
        return out
      }
      if c == "\"" {
        flushPlain()
        var s = "\""
        var escaped = false
        while let d = chars.next() {
          s.append(d)
          if escaped {
            escaped = false
          } else if d == "\\" {
            escaped = true
          } else if d == "\"" {
            break
          }
        }
        out += "<span class=\"st\">\(HTMLText.text(s))</span>"
        continue
      }
      plain.append(c)
    }
    flushPlain()
    return out
  }

  static let css = """
    :root{--fg:#1b2129;--muted:#5b6570;--faint:#98a2ad;--line:#e2e6eb;--soft:#f5f7f9;--accent:#1e7a3b;--link:#0a58b0}
    *{box-sizing:border-box}
    html{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--fg);background:#fff}
    body{margin:0}
    a{color:var(--link)}
    code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:13px}
    .bar{display:flex;align-items:center;gap:14px;padding:8px 24px;border-bottom:1px solid var(--line);background:#fafbfc}
    .brand{font-weight:700}.brand span{font-weight:400;color:var(--muted)}
    .file{font-size:12px;color:var(--muted);padding:1px 9px;border:1px solid var(--line);border-radius:999px;background:#fff}
    main{max-width:1180px;margin:0 auto;padding:18px 24px 36px}
    h1{font-size:26px;margin:8px 0 4px;letter-spacing:-.015em}
    .summary{color:var(--muted);margin:0 0 14px}
    .ok{color:var(--accent);font-weight:600}.bad{color:#b42318;font-weight:600}
    .toc ol{margin:0 0 14px;padding:0;display:flex;flex-wrap:wrap;gap:2px 22px;list-style-position:inside;font-size:14px}
    .t{color:var(--faint);font-size:12px}
    .cell{border:1px solid var(--line);border-radius:10px;margin:16px 0;padding:10px 16px 12px;background:#fff}
    .cell.idle{background:#fcfcfd}
    .chead{display:flex;align-items:baseline;gap:10px;flex-wrap:wrap}
    .chead h2{font-size:17px;margin:0}.chead h2.untitled{color:var(--muted);font-weight:500}
    .cn{font-family:ui-monospace,Menlo,Consolas,monospace;color:var(--faint);font-size:13px}
    .badges{margin-left:auto;display:flex;gap:6px}
    .badge{font-size:12px;border:1px solid var(--line);border-radius:999px;padding:0 8px;color:var(--muted);background:var(--soft)}
    .badge.computed{color:#8a4b00;background:#fff6e8;border-color:#f3d9b1}
    .badge.cached{color:var(--accent);background:#edf7ef;border-color:#b9dfc2}
    pre{margin:0;white-space:pre;overflow-x:auto}
    pre.code{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:10px 0}
    .ln{display:inline-block;min-width:2.6em;color:var(--faint);user-select:none;text-align:right;padding-right:1em}
    .cm{color:#6a737d;font-style:italic}.st{color:#1e7a3b}
    .out{margin:10px 0}
    .out pre{border-left:3px solid #c9d7e6;padding:6px 12px;line-height:1.45}
    .ocap{font-size:12px;color:var(--muted);margin-bottom:2px}.ocap code{font-size:12px}
    .ocap .ln{min-width:2.6em}
    .out.ran p{margin:0;padding:2px 12px;border-left:3px solid #b9dfc2;color:var(--muted);font-size:13px}
    .msg{font-size:13px;margin:6px 0;padding:4px 12px;border-radius:6px}
    .msg.note{background:var(--soft);color:var(--muted)}
    .msg.warn{background:#fff6e8;color:#8a4b00}
    .msg.err{background:#fdecea;color:#b42318}.msg.err pre{color:#4a1510;margin-top:4px}
    details.values{margin-top:8px;font-size:13px}
    details.values summary{cursor:pointer;color:var(--link)}
    table{border-collapse:collapse;margin:6px 0}
    td,th{text-align:left;padding:3px 10px;border-bottom:1px solid var(--line);vertical-align:top}
    th{font-size:12px;color:var(--muted);font-weight:600}
    .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    .k{color:var(--muted)}
    .prov h2{font-size:17px;margin:28px 0 8px;padding-bottom:5px;border-bottom:1px solid var(--line)}
    .prov th{width:150px;font-size:13px}.prov td{font-size:14px}
    .foot{max-width:1180px;margin:0 auto;padding:10px 24px 30px;color:var(--faint);font-size:12px}
    """
}
