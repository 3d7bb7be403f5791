/// The first few items of a sequence as single lines cut to the terminal width, then a count of
/// the rest: how `show` previews corpora and excerpts.
func previewLines(count: Int, noun: String, style: RenderStyle, text: (Int) -> String) -> String {
  var out = ""
  let room = max(20, style.width - 8)
  for i in 0..<min(count, 3, style.maxRows) {
    let line = Table.visible(text(i))
    out += String(format: "%5d  ", i) + (line.count > room ? String(line.prefix(room - 1)) + "…" : line) + "\n"
  }
  let rest = count - min(count, 3, style.maxRows)
  if rest > 0 { out += "  ... \(rest) more \(noun)\(rest == 1 ? "" : "s")\n" }
  return out
}
