import Foundation
import NxpCore
import Testing

@testable import NxpCache

@Suite final class FileHasherTests {
  let folder: String
  let hasher: FileHasher

  init() throws {
    folder = try CacheFixture.scratchFolder()
    hasher = FileHasher(memoPath: folder + "/memo/file-hashes.json")
  }

  deinit { try? FileManager.default.removeItem(atPath: folder) }

  private func write(_ name: String, _ text: String, age: TimeInterval = 3600) throws -> String {
    let path = folder + "/" + name
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try setAge(path, age)
    return path
  }

  private func setAge(_ path: String, _ age: TimeInterval) throws {
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSince1970: 1_700_000_000 - age)], ofItemAtPath: path)
  }

  /// Rewrites the file in place (same inode), keeping or changing its size.
  private func overwrite(_ path: String, _ text: String) throws {
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: 0)
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
  }

  private var memoEntries: [String: FileHasher.Stamp] { FileHasher.read(hasher.memoPath) }

  // MARK: - Single files

  @Test func hashIsTheContentSHA256AndIsRemembered() throws {
    let path = try write("corpus.txt", "the cat sat")
    #expect(try hasher.hash(file: path) == ContentHash.hex("the cat sat"))
    let stamp = try #require(memoEntries[path])
    #expect(stamp.size == 11)
    #expect(stamp.sha256 == ContentHash.hex("the cat sat"))
  }

  @Test func unchangedStatMeansTheMemoAnswersWithoutReading() throws {
    let path = try write("corpus.txt", "aaaa")
    #expect(try hasher.hash(file: path) == ContentHash.hex("aaaa"))
    // Same size, same mtime, same inode: indistinguishable by stat, so the memo answers, even in
    // a new hasher that reads the memo from disk.
    try overwrite(path, "bbbb")
    try setAge(path, 3600)
    #expect(try hasher.hash(file: path) == ContentHash.hex("aaaa"))
    #expect(try FileHasher(memoPath: hasher.memoPath).hash(file: path) == ContentHash.hex("aaaa"))
  }

  @Test func changedSizeOrMtimeGivesTheNewHash() throws {
    let path = try write("corpus.txt", "aaaa")
    #expect(try hasher.hash(file: path) == ContentHash.hex("aaaa"))
    try overwrite(path, "bbbbbb")
    try setAge(path, 3600)
    #expect(try hasher.hash(file: path) == ContentHash.hex("bbbbbb"))
    try overwrite(path, "cccccc")
    try setAge(path, 1800)
    #expect(try hasher.hash(file: path) == ContentHash.hex("cccccc"))
    #expect(memoEntries[path]?.sha256 == ContentHash.hex("cccccc"))
  }

  @Test func replacedFileWithSameSizeAndMtimeIsCaughtByItsInode() throws {
    let path = try write("corpus.txt", "aaaa")
    #expect(try hasher.hash(file: path) == ContentHash.hex("aaaa"))
    let replacement = try write("replacement.txt", "dddd")
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: replacement, toPath: path)
    #expect(try hasher.hash(file: path) == ContentHash.hex("dddd"))
  }

  @Test func recentlyModifiedFilesAreNotRemembered() throws {
    let path = try write("fresh.txt", "new", age: 0)
    try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
    #expect(try hasher.hash(file: path) == ContentHash.hex("new"))
    #expect(memoEntries[path] == nil)
  }

  @Test func aCorruptMemoIsIgnoredAndRebuilt() throws {
    let path = try write("corpus.txt", "text")
    try FileManager.default.createDirectory(atPath: folder + "/memo", withIntermediateDirectories: true)
    try Data("{\"format_version\": 1, \"files\": {\"x\": ".utf8).write(to: URL(fileURLWithPath: hasher.memoPath))
    #expect(try hasher.hash(file: path) == ContentHash.hex("text"))
    #expect(Set(memoEntries.keys) == [path])
  }

  @Test func relativeAndSymlinkedPathsShareOneMemoEntry() throws {
    let path = try write("data/corpus.txt", "text")
    try FileManager.default.createSymbolicLink(atPath: folder + "/link.txt", withDestinationPath: path)
    #expect(try hasher.hash(file: folder + "/data/../link.txt") == ContentHash.hex("text"))
    #expect(Set(memoEntries.keys) == [path])
  }

  @Test func missingFileIsNamed() throws {
    let path = folder + "/absent.txt"
    #expect(throws: CacheError.io(operation: "hash", path: path, code: ENOENT)) { try hasher.hash(file: path) }
  }

  @Test func hashersInParallelKeepTheMemoReadable() throws {
    let paths = try (0..<12).map { try write("f\($0).txt", "file \($0)") }
    let memoPath = hasher.memoPath
    let failures = FailureLog()
    // Separate hashers share only the memo file, as separate processes do.
    runOnThreads(6) { _ in
      let own = FileHasher(memoPath: memoPath)
      for (i, path) in paths.enumerated() {
        if (try? own.hash(file: path)) != ContentHash.hex("file \(i)") { failures.add("\(path)") }
      }
    }
    #expect(failures.messages == [])
    let data = try #require(FileManager.default.contents(atPath: memoPath))
    let memo = try JSONDecoder().decode(FileHasher.MemoFile.self, from: data)
    #expect(!memo.files.isEmpty)
    for (path, stamp) in memo.files {
      #expect(stamp.sha256 == ContentHash.hex("file \(paths.firstIndex(of: path)!)"))
    }
  }

  // MARK: - Sets of files

  @Test func folderHashIsSortedRelativePathsWithTheirHashes() throws {
    _ = try write("corpus/b.txt", "bee")
    _ = try write("corpus/a.txt", "ay")
    _ = try write("corpus/sub/c.txt", "sea")
    let tree = try hasher.hash(directory: folder + "/corpus")
    #expect(tree.files.map(\.path) == ["a.txt", "b.txt", "sub/c.txt"])
    #expect(tree.files.map(\.sha256) == ["ay", "bee", "sea"].map { ContentHash.hex($0) })
    let expected = CanonicalValue.record([
      "format": .string("nxp-tree/1"),
      "files": .list(tree.files.map { .list([.string($0.path), .string($0.sha256)]) }),
    ]).sha256
    #expect(tree.sha256 == expected)

    // The same files written in another order, elsewhere, hash the same.
    _ = try write("copy/sub/c.txt", "sea")
    _ = try write("copy/a.txt", "ay")
    _ = try write("copy/b.txt", "bee")
    #expect(try hasher.hash(directory: folder + "/copy") == tree)

    // A renamed file or a changed byte changes the hash.
    try FileManager.default.moveItem(atPath: folder + "/copy/b.txt", toPath: folder + "/copy/bb.txt")
    #expect(try hasher.hash(directory: folder + "/copy").sha256 != tree.sha256)
    try overwrite(folder + "/corpus/a.txt", "ax")
    #expect(try hasher.hash(directory: folder + "/corpus").sha256 != tree.sha256)
  }

  @Test func globHashCoversMatchingFilesByRelativePath() throws {
    _ = try write("corpus/b.txt", "bee")
    _ = try write("corpus/a.txt", "ay")
    _ = try write("corpus/notes.md", "skip")
    let tree = try hasher.hash(glob: "corpus/*.txt", relativeTo: folder)
    #expect(tree.files.map(\.path) == ["corpus/a.txt", "corpus/b.txt"])
    let absolute = try hasher.hash(glob: folder + "/corpus/*.txt", relativeTo: folder + "/corpus")
    #expect(absolute.files.map(\.path) == ["a.txt", "b.txt"])
    #expect(throws: CacheError.noFilesMatch(pattern: "corpus/*.csv")) {
      try hasher.hash(glob: "corpus/*.csv", relativeTo: folder)
    }
  }
}
