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

  /// The text of `data`, or an error that says where the first byte that is not UTF-8 is (found
  /// by the same check that reads scripts).
  static func decodeUTF8(_ data: Data, name: String) throws -> String {
    do {
      let text = try SourceFile.decode(data, path: name).text
      return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    } catch let d as Diagnostic {
      throw UserError("read: \(d.message); convert it with iconv first")
    }
  }
}
