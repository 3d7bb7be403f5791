import Foundation

/// The mean of a figure over the rows where it is defined, with how many those are of how many
/// rows there were: summaries say "0.412 (3 of 4 defined)" rather than average an undefined
/// score as 0.
struct DefinedMean {
  var value: Double?
  var defined: Int
  var of: Int

  init(_ values: [Double?]) {
    let present = values.compactMap { $0 }
    value = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
    defined = present.count
    of = values.count
  }

  /// `0.412`, `0.412 (3 of 4 defined)` when some were not, or `none` when none was.
  func formatted(none: String = "undefined") -> String {
    guard let value else { return none }
    return String(format: "%.3f", value) + (defined < of ? " (\(defined) of \(of) defined)" : "")
  }
}
