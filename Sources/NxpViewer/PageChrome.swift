import Foundation

/// What every page shares: the document head, the top bar and the footer.
enum PageChrome {
  /// From `<!doctype html>` to the opening of `<main>`. `kind` names the page for the script
  /// (`index`, `neuron`, `lucky`); `root` is the path back to the site's folder.
  static func open(title: String, kind: String, root: String, model: String, nav: String = "") -> String {
    """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="generator" content="nxp">
    <title>\(HTMLText.text(title))</title>
    <link rel="stylesheet" href="\(root)\(SiteLayout.css)">
    <script src="\(root)\(SiteLayout.js)" defer></script>
    </head>
    <body data-page="\(kind)">
    <header class="bar">
    <a class="brand" href="\(root)\(SiteLayout.index)">nxp <span>neuron viewer</span></a>
    <span class="model" title="subject model">\(HTMLText.text(model))</span>
    <nav class="nav">\(nav)<a class="lucky" id="lucky" href="\(root)\(SiteLayout.lucky)" title="a random neuron (r)">I'm feeling lucky</a></nav>
    </header>
    <main>

    """
  }

  static func close(keys: String) -> String {
    """
    </main>
    <footer class="foot"><p class="keys">\(keys)</p><p>Written by nxp. Every file of this viewer is local: it opens from disk with no server and no network.</p></footer>
    </body>
    </html>

    """
  }

  /// A section that has nothing to show because its input was not given.
  static func notComputed(_ what: String, _ how: String) -> String {
    "<p class=\"nc\"><strong>\(what): not computed.</strong> \(how)</p>\n"
  }

  /// A row of labelled figures: each cell's (label, value, tooltip, class). An undefined value
  /// ("–") is drawn faint, with `undefined` added to its tooltip.
  static func figures(_ cells: [(String, String, String, String)], list: String = "scores", undefined: String = "") -> String {
    var out = "<dl class=\"\(list)\">"
    for (label, value, tip, given) in cells {
      let isUndefined = value == "–"
      let cls = isUndefined ? "undef" : given
      out +=
        "<div\(cls.isEmpty ? "" : " class=\"\(cls)\"") title=\"\(HTMLText.attribute(tip + (isUndefined ? undefined : "")))\"><dt>\(label)</dt><dd>\(value)</dd></div>"
    }
    return out + "</dl>"
  }

  /// `<kbd>` for each key name.
  static func keys(_ names: [String]) -> String { names.map { "<kbd>\($0)</kbd>" }.joined(separator: " ") }
}
