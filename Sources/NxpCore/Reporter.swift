import Foundation

/// Where library code sends what a person should see while a run goes on: warnings, notes and
/// progress. Library modules never print; the `nxp` executable renders these on the terminal and
/// tests collect them.
public protocol Reporter: AnyObject, Sendable {
  /// Something went wrong but the run goes on (a corrupt cache entry recomputed, a value that
  /// could not be cached).
  func warning(_ message: String)
  /// Something a person may want to know (waiting for another process).
  func note(_ message: String)
  /// Where progress bars go; nil draws nothing.
  var progressSink: ProgressSink? { get }
}

extension Reporter {
  /// Starts a progress task drawn by this reporter's sink.
  public func progress(_ title: String, total: Int, unit: String, resumedFrom: Int = 0, secondary: SecondaryRate? = nil) -> ProgressTask {
    ProgressTask(title: title, total: total, unit: unit, resumedFrom: resumedFrom, secondary: secondary, sink: progressSink)
  }
}

/// Keeps every message in memory: the default for library use and tests.
public final class CollectingReporter: Reporter, @unchecked Sendable {
  public enum Kind: Sendable { case warning, note }
  private let lock = NSLock()
  private var stored: [(Kind, String)] = []
  public let progressSink: ProgressSink?

  public init(progressSink: ProgressSink? = nil) {
    self.progressSink = progressSink
  }

  public func warning(_ message: String) { append(.warning, message) }
  public func note(_ message: String) { append(.note, message) }

  /// Every message so far, in order.
  public var messages: [(kind: Kind, text: String)] {
    lock.lock()
    defer { lock.unlock() }
    return stored.map { (kind: $0.0, text: $0.1) }
  }

  public var warnings: [String] { messages.filter { $0.kind == .warning }.map(\.text) }

  private func append(_ kind: Kind, _ text: String) {
    lock.lock()
    stored.append((kind, text))
    lock.unlock()
  }
}
