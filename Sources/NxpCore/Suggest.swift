/// Near-miss suggestions for unknown names ("did you mean `record`?").
public enum NameSuggester {
  /// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
  public static func suggest(_ name: String, from candidates: some Sequence<String>) -> String? {
    let lowered = name.lowercased()
    var best: (String, Int)?
    for c in candidates where c != name {
      let d = editDistance(lowered, c.lowercased())
      if best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
    }
    guard let (c, d) = best else { return nil }
    let limit = max(1, min(3, (name.count + 2) / 3))
    return d <= limit ? c : nil
  }

  /// Damerau-Levenshtein distance (optimal string alignment): a swap of neighbours costs 1.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[x.count][y.count]
  }
}
