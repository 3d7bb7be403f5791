import Foundation

/// A process-wide interrupt flag set by Ctrl-C; long computations poll it between units of work
/// (batches, neurons, requests) and throw `Interrupted`, keeping what they finished.
public enum Cancellation {
  nonisolated(unsafe) private static var flag: Int32 = 0
  /// A flag owned by a signal handler (the front end installs one); nonzero means interrupted.
  nonisolated(unsafe) public static var signalFlag: UnsafeMutablePointer<Int32>?

  public static var isRequested: Bool { flag != 0 || (signalFlag?.pointee ?? 0) != 0 }
  public static func request() { flag = 1 }
  public static func reset() {
    flag = 0
    signalFlag?.pointee = 0
  }

  /// Throws `Interrupted` if Ctrl-C was pressed since the last reset.
  public static func check() throws {
    if isRequested { throw Interrupted() }
  }
}

public struct Interrupted: Error, CustomStringConvertible, Sendable {
  public init() {}
  public var description: String { "interrupted" }
}
