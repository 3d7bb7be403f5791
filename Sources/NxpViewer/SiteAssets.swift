import Foundation

/// The viewer's one style sheet and one script, written beside the pages: nothing is loaded
/// from elsewhere (no fonts, no CDN), so the viewer opens from disk with no network.
enum SiteAssets {
  /// The shade classes `h1` ... `h20`, white to green; text stays dark on every shade.
  static var shades: String {
    (1...Heatmap.levels).map { ".h\($0){background:\(Heatmap.color(level: $0))}" }.joined(separator: "\n")
  }

  static var css: String {
    """
    /* nxp neuron viewer */
    :root{--fg:#1b2129;--muted:#5b6570;--faint:#98a2ad;--line:#e2e6eb;--soft:#f5f7f9;--accent:#1e7a3b;--link:#0a58b0;--base:#c25e06;--shuf:#4b5563}
    *{box-sizing:border-box}
    html{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--fg);background:#fff;-webkit-text-size-adjust:100%}
    body{margin:0}
    a{color:var(--link);text-decoration-thickness:1px;text-underline-offset:2px}
    code,pre,kbd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.9em}
    p code{background:var(--soft);padding:0 4px;border-radius:4px}
    .bar{display:flex;align-items:center;gap:14px;padding:8px 24px;border-bottom:1px solid var(--line);background:rgba(250,251,252,.96);position:sticky;top:0;z-index:5}
    .brand{font-weight:700;color:var(--fg);text-decoration:none;letter-spacing:-.01em}
    .brand span{font-weight:400;color:var(--muted)}
    .model{font-size:12px;color:var(--muted);padding:1px 9px;border:1px solid var(--line);border-radius:999px;background:#fff}
    .nav{margin-left:auto;display:flex;gap:6px;flex-wrap:wrap;justify-content:flex-end}
    .nav a,.nav .off{font-size:13px;padding:3px 10px;border-radius:6px;border:1px solid var(--line);background:#fff;text-decoration:none;color:var(--link);white-space:nowrap}
    .nav .off{color:var(--faint)}
    .nav a:hover{border-color:var(--link)}
    .nav a.lucky{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
    main{max-width:1120px;margin:0 auto;padding:18px 24px 36px}
    h1{font-size:26px;line-height:1.25;margin:8px 0 14px;font-weight:700;letter-spacing:-.015em}
    h1 small{font-size:15px;font-weight:400;color:var(--muted);margin-left:6px;letter-spacing:0}
    h2{font-size:17px;margin:30px 0 10px;padding-bottom:5px;border-bottom:1px solid var(--line)}
    h3{font-size:15px;margin:18px 0 6px}
    h4{font-size:12px;margin:12px 0 2px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
    .n{font-weight:500;color:var(--muted);font-size:12px;background:var(--soft);border:1px solid var(--line);border-radius:999px;padding:0 7px;margin-left:4px;vertical-align:1px;text-transform:none;letter-spacing:0}
    .note{font-weight:400;color:var(--muted);font-size:13px;margin-left:6px;text-transform:none;letter-spacing:0}
    dl{margin:0}
    dt{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
    dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
    .stats dl,.scores{display:flex;flex-wrap:wrap;gap:6px}
    .stats dl div,.scores div{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:3px 11px 4px;min-width:74px}
    .scores{margin:10px 0 6px}
    .scores .main{background:#edf7ef;border-color:#b9dfc2}
    .scores .main dd{color:var(--accent);font-size:19px;line-height:1.3}
    .scores .main dt{color:var(--accent)}
    .scores .base dd{color:var(--base)}
    .scores .shuf dd{color:var(--shuf)}
    .scores .bad dd{color:#b42318}
    .scores .undef dd{color:var(--faint);font-weight:400}
    .card{border:1px solid var(--line);border-radius:10px;padding:14px 18px 10px;margin:10px 0;background:#fff;box-shadow:0 1px 2px rgba(16,24,40,.04)}
    .card.best{border-color:#a9d8b5}
    .etext{font-size:19px;line-height:1.4;margin:0 0 4px;font-weight:500}
    .etext .lead{display:block;font-size:13px;font-weight:400;color:var(--muted)}
    .etext.none{font-size:15px;color:var(--muted)}
    .meta{font-size:13px;color:var(--muted);margin:0}
    .nc{color:var(--muted);background:var(--soft);border:1px dashed #d3d9df;border-radius:8px;padding:8px 12px;font-size:14px;margin:8px 0}
    .nc strong{color:var(--fg);font-weight:600}
    details>summary{cursor:pointer;color:var(--link);font-size:14px;margin:8px 0 4px;user-select:none}
    details.scoring{border-top:1px solid var(--line);margin-top:10px;padding-top:2px}
    details.scoring>summary{font-weight:600}
    details.more>summary{font-size:13px}
    .legend{font-size:13px;color:var(--muted);margin:6px 0 10px}
    .ramp{display:inline-flex;border:1px solid var(--line);border-radius:3px;overflow:hidden;vertical-align:-2px;margin-right:4px}
    .ramp span{display:block;width:16px;height:12px}
    .tokdemo{display:inline-block;padding:0 4px;border:1px solid var(--line);border-radius:3px;color:var(--faint);line-height:1.2}
    .ex{display:grid;grid-template-columns:78px 1fr;gap:12px;padding:5px 0;border-top:1px solid #eef1f4}
    .exm{display:flex;flex-direction:column;align-items:flex-end;gap:1px;font-size:11px;color:var(--muted);font-variant-numeric:tabular-nums;padding-top:3px}
    .exm>span:first-child{font-weight:650;color:var(--fg);font-size:13px}
    .exn{color:var(--faint)}
    .split{font-size:10px;text-transform:uppercase;letter-spacing:.05em;border-radius:4px;padding:0 5px;font-weight:600}
    .s-train{background:#e6effc;color:#1b4f9c}.s-calibration{background:#f3ecfb;color:#6b3fa0}.s-valid{background:#fdf0e3;color:#9a4a05}.s-test{background:#eceff2;color:#4a5561}
    .toks{margin:0;font-size:14px;line-height:1.85;white-space:pre-wrap;overflow-wrap:anywhere}
    .toks>span{border-radius:2px;padding:1px 0}
    .toks>span:hover{outline:1px solid #6b7785}
    .ws{color:var(--faint)}
    .sp{color:var(--faint);font-size:11px}
    .pair{line-height:1.3}
    .pair .p{display:inline-flex;flex-direction:column;vertical-align:top;margin:0 0 5px;padding:0}
    .pair .p>span:first-child{padding:1px 0;border-radius:2px 2px 0 0}
    .pair .sim{display:block;height:7px;border-radius:0 0 2px 2px;box-shadow:inset 0 -1px #d9dee3}
    .pairdemo{display:inline-flex;flex-direction:column;vertical-align:middle;margin-right:4px;font-size:12px;line-height:1.2}
    .pairdemo .sim{display:block;height:6px}
    .fail{color:#b42318;font-size:13px;margin:0 0 2px}
    \(shades)
    .code{position:relative;background:#0f1720;color:#e6edf3;border-radius:8px;padding:12px 80px 12px 14px}
    .code pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
    .code code{font-size:13px}
    .copy{position:absolute;top:8px;right:8px;font:inherit;font-size:12px;padding:3px 10px;border-radius:6px;border:1px solid #3b4754;background:#1c2632;color:#e6edf3;cursor:pointer}
    .copy:hover{background:#263241}
    .foot{max-width:1120px;margin:0 auto;padding:14px 24px 30px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
    .foot p{margin:4px 0}
    kbd{display:inline-block;min-width:1.6em;text-align:center;padding:0 4px;border:1px solid #cdd4db;border-bottom-width:2px;border-radius:4px;background:#fff;color:var(--fg);font-size:11px;line-height:1.5}
    .summary{color:var(--muted);margin:-6px 0 8px}
    .summary .note{margin-left:0}
    figure{margin:0;flex:1 1 480px;max-width:680px}
    .histwrap{display:flex;gap:28px;align-items:flex-start;flex-wrap:wrap}
    .scores.side{flex-direction:column;flex:0 0 190px;margin:14px 0 0}
    figcaption{font-size:13px;color:var(--muted);max-width:680px}
    .hist{width:100%;max-width:680px;height:auto;display:block}
    .hist .bar{fill:#3c9d52}
    .hist .bar:hover{fill:#1e7a3b}
    .hist .axis{stroke:#9aa3ad}
    .hist .tick{stroke:#edf0f3}
    .hist .lbl{font-size:11px;fill:var(--muted);font-family:inherit}
    .hist line.mark-base{stroke:var(--base);stroke-width:2;stroke-dasharray:5 3}
    .hist line.mark-shuf{stroke:#343b44;stroke-width:2;stroke-dasharray:2 3}
    .hist text.mark-base{fill:var(--base);font-weight:600}
    .hist text.mark-shuf{fill:var(--shuf);font-weight:600}
    .filters{display:flex;gap:14px;flex-wrap:wrap;align-items:flex-end;background:var(--soft);padding:10px 12px;border-radius:8px;border:1px solid var(--line);margin:4px 0 6px}
    .filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:2px}
    .filters label.check{flex-direction:row;align-items:center;gap:6px;padding-bottom:6px;font-size:13px;color:var(--fg)}
    .filters label.grow{flex:1;min-width:220px}
    input,select{font:inherit;font-size:14px;padding:4px 8px;border:1px solid #cbd3db;border-radius:6px;background:#fff;color:var(--fg)}
    input[type=number]{width:7em}
    input:focus,select:focus{outline:2px solid #9cc3ef;outline-offset:0;border-color:#5c9ae0}
    .count{font-size:13px;color:var(--muted);margin:6px 0}
    table.neurons{width:100%;border-collapse:collapse;font-size:14px}
    .neurons th{position:sticky;top:45px;background:#fff;border-bottom:2px solid var(--line);text-align:left;padding:0;z-index:1}
    .neurons th.num{text-align:right}
    .neurons th button{all:unset;cursor:pointer;display:block;padding:6px 8px;font-weight:600;font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
    .neurons th[aria-sort] button{color:var(--fg)}
    .neurons th[aria-sort=ascending] button::after{content:" ▲";font-size:9px}
    .neurons th[aria-sort=descending] button::after{content:" ▼";font-size:9px}
    .neurons td{padding:5px 8px;border-bottom:1px solid #eef1f4;vertical-align:top}
    .neurons tbody tr:hover td{background:#f8fafb}
    .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    .etd{width:55%}
    .etd div{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;line-clamp:2;overflow:hidden}
    .none{color:var(--faint);font-style:italic}
    .relcols{display:grid;grid-template-columns:1fr 1fr;gap:8px 28px}
    .rels{list-style:none;margin:4px 0;padding:0;display:flex;flex-direction:column;gap:5px}
    .rel{display:grid;grid-template-columns:auto auto 1fr;grid-template-areas:"id w sc" "tx tx tx";gap:0 10px;border:1px solid var(--line);border-radius:8px;padding:5px 10px 6px;text-decoration:none;color:var(--fg);background:#fff}
    a.rel:hover{border-color:var(--link);box-shadow:0 1px 3px rgba(16,24,40,.08)}
    .rel.off{background:var(--soft);grid-template-areas:"id w tx"}
    .rel.off .rtx{justify-self:end;align-self:center;font-size:12px}
    .rel .rid{grid-area:id;font-weight:600;color:var(--link);font-variant-numeric:tabular-nums}
    .rel.off .rid{color:var(--muted)}
    .rel .rw{grid-area:w;font-size:13px;color:var(--muted);font-variant-numeric:tabular-nums}
    .rel .rsc{grid-area:sc;justify-self:end;font-size:12px;font-weight:600;color:var(--accent);background:#edf7ef;border-radius:999px;padding:0 8px}
    .rel .rtx{grid-area:tx;font-size:13px;line-height:1.35;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
    .chips{display:flex;flex-wrap:wrap;gap:4px;margin:4px 0}
    .chiprow{display:flex;align-items:flex-start;gap:8px;margin:4px 0}
    .chiprow .sign{font-weight:700;color:var(--muted);width:12px;flex:0 0 12px;line-height:26px}
    .chiprow .chips{margin:0}
    .chip{display:inline-flex;align-items:baseline;gap:5px;border:1px solid var(--line);border-radius:6px;padding:1px 7px;background:var(--soft);font-size:13px}
    .chip .ct{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;white-space:pre;color:var(--fg)}
    .chip .ct.ws,.chip .ct.sp{color:var(--faint)}
    .chip .cv{font-size:11px;color:var(--muted);font-variant-numeric:tabular-nums}
    @media (max-width:720px){.bar{flex-wrap:wrap;padding:8px 12px}main{padding:12px}.ex{grid-template-columns:60px 1fr}.etd{width:auto}.relcols{grid-template-columns:1fr}}

    """
  }

  static let js = #"""
    // nxp neuron viewer: keyboard navigation, "I'm feeling lucky", copying the REPL line, and the
    // index's filters, sorting and search. Data comes from JSON in the pages and is only ever
    // put into the page as text.
    (function () {
      "use strict";
      var page = document.body.getAttribute("data-page");

      function json(id) {
        var el = document.getElementById(id);
        return el ? JSON.parse(el.textContent) : null;
      }
      function follow(id) {
        var a = document.getElementById(id);
        if (a && a.href) { location.href = a.href; return true; }
        return false;
      }
      function typing(target) {
        var t = target && target.tagName;
        return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || (target && target.isContentEditable);
      }

      document.addEventListener("keydown", function (e) {
        if (e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
        var keys = page === "neuron"
          ? { ArrowLeft: "prev-neuron", k: "prev-neuron", ArrowRight: "next-neuron", j: "next-neuron",
              "[": "prev-layer", "]": "next-layer", i: "index", r: "lucky" }
          : { r: "lucky" };
        if (page === "index" && e.key === "/") {
          document.getElementById("f-search").focus();
          e.preventDefault();
          return;
        }
        if (Object.prototype.hasOwnProperty.call(keys, e.key) && follow(keys[e.key])) e.preventDefault();
      });

      Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (button) {
        button.addEventListener("click", function () {
          var source = document.getElementById(button.getAttribute("data-copy"));
          function select() {
            var range = document.createRange();
            range.selectNodeContents(source);
            var s = window.getSelection();
            s.removeAllRanges();
            s.addRange(range);
            button.textContent = "Selected";
          }
          function copied() { button.textContent = "Copied"; }
          if (navigator.clipboard && navigator.clipboard.writeText) {
            navigator.clipboard.writeText(source.textContent).then(copied, select);
          } else {
            select();
          }
          setTimeout(function () { button.textContent = "Copy"; }, 1600);
        });
      });

      if (page === "lucky") {
        var pages = json("nxp-pages") || [];
        if (pages.length) location.replace(pages[Math.floor(Math.random() * pages.length)]);
        return;
      }
      if (page !== "index") return;

      var rows = json("nxp-index") || [];
      var body = document.getElementById("rows");
      var count = document.getElementById("count");
      var layer = document.getElementById("f-layer");
      var low = document.getElementById("f-min");
      var high = document.getElementById("f-max");
      var explained = document.getElementById("f-explained");
      var search = document.getElementById("f-search");
      var headers = document.querySelectorAll("#table th");
      // The score columns the table has, in order, between the maximum activation and the explanation.
      var numbers = Array.prototype.map.call(headers, function (th) { return th.getAttribute("data-key"); })
        .filter(function (k) { return k !== "neuron" && k !== "max" && k !== "explanation"; });
      var sortKey = "neuron";
      var descending = false;

      function value(r, key) {
        if (key === "neuron") return r.layer * 1e9 + r.index;
        return r[key];
      }
      function byNeuron(a, b) { return a.layer - b.layer || a.index - b.index; }
      function compare(a, b) {
        var x = value(a, sortKey), y = value(b, sortKey);
        if (x === null || y === null) return x === y ? byNeuron(a, b) : (x === null ? 1 : -1);
        var c = typeof x === "string" ? x.localeCompare(y) : x - y;
        return (descending ? -c : c) || byNeuron(a, b);
      }
      function fixed(x) {
        if (x === null) return "\u2013";
        var s = x.toFixed(3);
        return /^-0\.0*$/.test(s) ? s.slice(1) : s;
      }
      function cell(text, className) {
        var td = document.createElement("td");
        if (className) td.className = className;
        td.textContent = text;
        return td;
      }
      function row(r) {
        var tr = document.createElement("tr");
        var first = document.createElement("td");
        first.className = "num";
        var a = document.createElement("a");
        a.href = r.page;
        a.textContent = r.neuron;
        first.appendChild(a);
        tr.appendChild(first);
        tr.appendChild(cell(fixed(r.max), "num"));
        numbers.forEach(function (k) { tr.appendChild(cell(fixed(r[k]), "num")); });
        if (r.explanation === null) {
          tr.appendChild(cell("not explained", "etd none"));
        } else {
          var td = document.createElement("td"), text = document.createElement("div");
          td.className = "etd";
          text.textContent = r.explanation;
          td.appendChild(text);
          tr.appendChild(td);
        }
        return tr;
      }
      function render() {
        var l = layer.value, lo = parseFloat(low.value), hi = parseFloat(high.value);
        var q = search.value.trim().toLowerCase(), only = explained.checked;
        var shown = rows.filter(function (r) {
          if (l !== "" && String(r.layer) !== l) return false;
          if (!isNaN(lo) && (r.score === null || r.score < lo)) return false;
          if (!isNaN(hi) && (r.score === null || r.score > hi)) return false;
          if (only && r.explanation === null) return false;
          if (q && r.neuron.indexOf(q) < 0 && (r.explanation === null || r.explanation.toLowerCase().indexOf(q) < 0)) return false;
          return true;
        }).sort(compare);
        var fragment = document.createDocumentFragment();
        shown.forEach(function (r) { fragment.appendChild(row(r)); });
        while (body.firstChild) body.removeChild(body.firstChild);
        body.appendChild(fragment);
        count.textContent = shown.length + " of " + rows.length + " neuron" + (rows.length === 1 ? "" : "s");
        Array.prototype.forEach.call(headers, function (th) {
          if (th.getAttribute("data-key") === sortKey) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
          else th.removeAttribute("aria-sort");
        });
      }
      Array.prototype.forEach.call(headers, function (th) {
        th.querySelector("button").addEventListener("click", function () {
          var key = th.getAttribute("data-key");
          if (key === sortKey) descending = !descending;
          else { sortKey = key; descending = key !== "neuron" && key !== "explanation"; }
          render();
        });
      });
      [layer, low, high, explained, search].forEach(function (el) { el.addEventListener("input", render); });
      document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
      render();
    })();

    """#
}
