import Foundation
import NxpCore
import NxpInterp

extension ViewerSite {
  /// Every file of the viewer, by path relative to its folder, in path order. The same site
  /// gives the same bytes.
  public func files() -> [(path: String, contents: Data)] {
    var out: [(path: String, contents: Data)] = []
    eachFile { out.append(($0, $1)) }
    return out.sorted { $0.path < $1.path }
  }

  /// Makes the viewer's files one at a time, so a viewer of thousands of pages is never held in
  /// memory whole.
  func eachFile(_ body: (String, Data) throws -> Void) rethrows {
    let sorted = neurons.sorted { $0.id < $1.id }
    var ordered = self
    ordered.neurons = sorted
    let navigation = Navigation.all(sorted.map(\.id))
    let cards = RelatedCards(sorted)
    try body(SiteLayout.index, Data(IndexPage(site: ordered).html().utf8))
    try body(SiteLayout.lucky, Data(LuckyPage.html(ordered).utf8))
    try body(SiteLayout.css, Data(SiteAssets.css.utf8))
    try body(SiteLayout.js, Data(SiteAssets.js.utf8))
    try body(SiteLayout.marker, Data("written by nxp's view; view replaces this folder when it writes again\n".utf8))
    for n in sorted {
      let page = NeuronPage(n, navigation: navigation[n.id]!, site: ordered, cards: cards)
      try body(page.path, Data(page.html().utf8))
    }
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
    try eachFile { relative, data in
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
