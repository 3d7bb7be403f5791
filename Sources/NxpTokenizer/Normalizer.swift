import Foundation

/// Unicode normalization applied to text before pre-tokenization (HF `normalizer`), a sequence
/// of normalization forms.
struct Normalizer: Sendable, Equatable {
  enum Form: String, Sendable, CaseIterable { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }

  var forms: [Form]

  static let nfc = Normalizer(forms: [.nfc])

  /// The normalized UTF-8 of `bytes`. ASCII is left alone: every form maps it to itself.
  func apply(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    if bytes.allSatisfy({ $0 < 0x80 }) { return Array(bytes) }
    var s = String(decoding: bytes, as: UTF8.self)
    for form in forms {
      switch form {
      case .nfc: s = s.precomposedStringWithCanonicalMapping
      case .nfd: s = s.decomposedStringWithCanonicalMapping
      case .nfkc: s = s.precomposedStringWithCompatibilityMapping
      case .nfkd: s = s.decomposedStringWithCompatibilityMapping
      }
    }
    return Array(s.utf8)
  }
}
