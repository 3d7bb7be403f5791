import Foundation
import NxpCore

/// `read("notes/prompt.txt")`: a text file's contents as a string, usable wherever a string is.
/// The file's content hash joins the key, so editing the file recomputes what uses it.
final class ReadOp: Primitive {
  let name = "read"
  let version = 1
  /// Reading the file again is as cheap as reading a cached copy of it.
  let persists = false
  var params: [Param] {
    [Param("path", .string, positional: true, doc: "the file, relative to the script's folder")]
  }
  let summary = "the contents of a UTF-8 text file, as a string"
  let example = "show tokens(model, read(\"notes/prompt.txt\"))"
  let fileParams = ["path"]
  func resultType(_ args: [String: ValueType]) throws -> ValueType { .string }

  func files(_ args: Arguments, _ ctx: PlanContext) throws -> [String] {
    [ctx.resolve(try args.string("path"))]
  }

  func run(_ args: Arguments, _ ctx: RunContext) throws -> Value {
    let written = try args.string("path")
    let path = ctx.plan.resolve(written)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw UserError("read: no such file '\(written)' (looked for \(path))")
    }
    guard !isDirectory.boolValue else { throw UserError("read: '\(written)' is a folder, not a file") }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UserError("read: cannot read '\(written)' (permission denied?)")
    }
    return .string(try ReadOp.decodeUTF8(data, name: written))
  }

  /// The text of `data`, or an error that says where the first byte that is not UTF-8 is.
  static func decodeUTF8(_ data: Data, name: String) throws -> String {
    if let text = String(validating: data, as: UTF8.self) { return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text }
    let bytes = [UInt8](data)
    var line = 1
    var lineStart = 0
    var i = 0
    // Find the first byte where decoding fails, counting lines on the way.
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    var offset = 0
    loop: while true {
      let before = offset
      switch decoder.decode(&iterator) {
      case .scalarValue(let s):
        offset += UTF8.width(s)
        if s == "\n" {
          line += 1
          lineStart = offset
        }
      case .emptyInput:
        break loop
      case .error:
        i = before
        break loop
      }
    }
    let byte = i < bytes.count ? String(format: "0x%02X", bytes[i]) : "end of file"
    throw UserError(
      "read: '\(name)' is not UTF-8 text: byte \(byte) at line \(line), column \(i - lineStart + 1) (offset \(i)); convert it with iconv first"
    )
  }
}
