import Foundation
import NxpCore
import NxpInterp

extension ViewerSite {
  /// Every file of the viewer, by path relative to its folder, in path order. The same site
  /// gives the same bytes.
  public func files() -> [(path: String, contents: Data)] {
    let sorted = neurons.sorted { $0.id < $1.id }
    let ordered = ViewerSite(model: model, neurons: sorted, scoredBy: scoredBy)
    let navigation = Navigation.all(sorted.map(\.id))
    var out: [(String, Data)] = [
      (SiteLayout.index, Data(IndexPage(site: ordered).html().utf8)),
      (SiteLayout.lucky, Data(LuckyPage.html(ordered).utf8)),
      (SiteLayout.css, Data(SiteAssets.css.utf8)),
      (SiteLayout.js, Data(SiteAssets.js.utf8)),
      (SiteLayout.marker, Data("written by nxp's view; view replaces this folder when it writes again\n".utf8)),
    ]
    for n in sorted {
      let page = NeuronPage(n, navigation: navigation[n.id]!, site: ordered)
      out.append((page.path, Data(page.html().utf8)))
    }
    return out.sorted { $0.0 < $1.0 }
  }

  /// Writes the viewer into the folder `path`, replacing a viewer written there before; returns
  /// the path of its index page. The files are written beside it first and moved into place, so
  /// an interrupted write leaves the previous viewer whole. A folder that holds anything else is
  /// refused rather than touched.
  @discardableResult
  public func write(to path: String) throws -> String {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw UserError("'\(TerminalText.visible(path))' is a file; view writes a folder") }
      let contents = try fm.contentsOfDirectory(atPath: path)
      guard contents.isEmpty || contents.contains(SiteLayout.marker) else {
        throw UserError(
          "'\(TerminalText.visible(path))' holds files view did not write; give view an empty or new folder (`to:`)")
      }
    }
    let parent = (path as NSString).deletingLastPathComponent
    try fm.createDirectory(atPath: parent.isEmpty ? "." : parent, withIntermediateDirectories: true)
    let staging = path + ".nxp-\(UUID().uuidString)"
    try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
    var moved = false
    defer { if !moved { try? fm.removeItem(atPath: staging) } }
    for (relative, data) in files() {
      try Cancellation.check()
      let file = staging + "/" + relative
      let dir = (file as NSString).deletingLastPathComponent
      if !fm.fileExists(atPath: dir) { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
      guard fm.createFile(atPath: file, contents: data) else { throw UserError("cannot write '\(TerminalText.visible(file))'") }
    }
    let old = path + ".nxp-old-\(UUID().uuidString)"
    if fm.fileExists(atPath: path) { try fm.moveItem(atPath: path, toPath: old) }
    do {
      try fm.moveItem(atPath: staging, toPath: path)
    } catch {
      if fm.fileExists(atPath: old) { try? fm.moveItem(atPath: old, toPath: path) }
      throw error
    }
    moved = true
    try? fm.removeItem(atPath: old)
    return path + "/" + SiteLayout.index
  }
}
