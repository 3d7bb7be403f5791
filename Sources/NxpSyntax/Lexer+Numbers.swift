import NxpCore

// MARK: - Numbers and neuron literals

extension Lexer {
  /// `42`, `1_000`, `0.5`, `1e-3`, `2.5E+4`, and the neuron literal `6:123`.
  mutating func number() {
    let start = location
    let startIndex = index
    digits()

    // `6:123` with no spaces is one neuron; `k: 6` or `6 : 1` are not.
    if peek() == Byte.colon, peek(1)?.isASCIIDigit == true {
      bump()
      digits()
      if malformedTail(from: startIndex, start) { return }
      let text = source(startIndex..<index)
      let parts = text.split(separator: ":").map { Int($0.filter { $0 != "_" }) }
      guard parts.count == 2, let layer = parts[0], let unit = parts[1] else {
        return invalid("neuron literal '\(text)' is too large", from: startIndex, start)
      }
      return add(.neuron(layer: layer, index: unit), from: startIndex, start)
    }

    var isFloat = false
    if peek() == Byte.dot, peek(1)?.isASCIIDigit == true {
      bump()
      digits()
      isFloat = true
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      let sign = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") ? 1 : 0
      if peek(1 + sign)?.isASCIIDigit == true {
        bump(1 + sign)
        digits()
        isFloat = true
      } else if sign == 1 || peek(1)?.isIdentifierPart != true {
        bump(1 + sign)
        return invalid(
          "expected digits in the exponent of '\(source(startIndex..<index))'", from: startIndex, start,
          help: ["write an exponent like 1e-3"])
      }
    }
    if malformedTail(from: startIndex, start) { return }

    let text = text(from: start)
    let plain = text.filter { $0 != "_" }
    if isFloat {
      guard let value = Double(plain), value.isFinite else {
        return invalid(
          "number '\(text)' is too large", from: startIndex, start,
          help: ["Floats are 64-bit, at most \(Double.greatestFiniteMagnitude)"])
      }
      // A mantissa with a non-zero digit that reads as 0 is below the smallest Float.
      let mantissa = plain.prefix { $0 != "e" && $0 != "E" }
      if value == 0 && mantissa.contains(where: { $0 != "0" && $0 != "." }) {
        return invalid(
          "number '\(text)' is too small: it would be read as 0", from: startIndex, start,
          help: ["Floats are 64-bit; the smallest positive one is about 4.9e-324; write 0.0 if you mean zero"])
      }
      add(.float(value), from: startIndex, start)
    } else {
      guard let value = Int(plain) else {
        return invalid("integer '\(text)' is too large", from: startIndex, start, help: ["integers are 64-bit"])
      }
      add(.int(value), from: startIndex, start)
    }
  }

  /// A digit followed by digits and `_` separators.
  mutating func digits() {
    while let c = peek(), c.isASCIIDigit || c == Byte.underscore { bump() }
  }

  /// Letters or a fraction glued to a number (`12abc`, `0x1F`, `6:12.5`) make it one bad token.
  mutating func malformedTail(from startIndex: Int, _ start: SourceLocation) -> Bool {
    let glued = peek()?.isIdentifierPart == true || (peek() == Byte.dot && peek(1)?.isASCIIDigit == true)
    guard glued else { return false }
    while let c = peek(), c.isIdentifierPart || (c == Byte.dot && peek(1)?.isASCIIDigit == true) { bump() }
    invalid("malformed number '\(source(startIndex..<index))'", from: startIndex, start)
    return true
  }
}
