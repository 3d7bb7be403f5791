import Foundation
import NxpCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// How often and how patiently a failed request is sent again.
public struct RetryPolicy: Hashable, Sendable {
  /// Attempts after the first one.
  public var maxRetries: Int
  /// The first back-off's upper bound; it doubles with each retry (full jitter: a uniform draw
  /// below the bound).
  public var baseDelay: TimeInterval
  /// The largest back-off bound.
  public var maxDelay: TimeInterval
  /// The longest `Retry-After` obeyed; a server asking for more gets this.
  public var maxRetryAfter: TimeInterval

  public init(maxRetries: Int = 4, baseDelay: TimeInterval = 0.5, maxDelay: TimeInterval = 30, maxRetryAfter: TimeInterval = 60) {
    self.maxRetries = maxRetries
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.maxRetryAfter = maxRetryAfter
  }

  /// The wait before retry number `retry` (1 for the first): the server's `Retry-After` when it
  /// gave one, otherwise a random time below `baseDelay · 2^(retry-1)`, capped.
  func delay(retry: Int, retryAfter: TimeInterval?) -> TimeInterval {
    if let retryAfter { return min(max(0, retryAfter), maxRetryAfter) }
    let bound = min(maxDelay, baseDelay * pow(2, Double(max(0, retry - 1))))
    return bound > 0 ? Double.random(in: 0...bound) : 0
  }

  /// A `Retry-After` value in seconds: delta-seconds or an HTTP date (RFC 9110), nil if neither.
  static func retryAfter(_ value: String?, now: Date = Date()) -> TimeInterval? {
    guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
    if let seconds = Double(value), seconds.isFinite { return max(0, seconds) }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
      formatter.dateFormat = format
      if let date = formatter.date(from: value) { return max(0, date.timeIntervalSince(now)) }
    }
    return nil
  }
}

/// One HTTP exchange's outcome, before any retry decision.
enum HTTPOutcome {
  case answer(status: Int, headers: [String: String], body: Data)
  case timedOut
  /// Refused, reset, or the body was cut off.
  case connectionFailed(String)
}

/// Synchronous JSON POSTs over URLSession, at most `limit` in flight at once (callers beyond the
/// limit wait for a slot). Redirects are refused so the Authorization header never travels to
/// another address.
final class HTTPClient: @unchecked Sendable {
  private let session: URLSession
  private let slots: DispatchSemaphore
  private let timeout: TimeInterval
  private let lock = NSLock()
  private var inFlight = 0
  private var peak = 0

  /// The most requests ever in flight at once (for tests of the limit).
  var peakInFlight: Int {
    lock.lock()
    defer { lock.unlock() }
    return peak
  }

  init(limit: Int, timeout: TimeInterval) {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.urlCache = nil
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    configuration.httpMaximumConnectionsPerHost = max(1, limit)
    configuration.timeoutIntervalForRequest = timeout
    configuration.timeoutIntervalForResource = timeout + 5
    session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    slots = DispatchSemaphore(value: max(1, limit))
    self.timeout = timeout
  }

  deinit { session.invalidateAndCancel() }

  func post(_ url: URL, body: Data, headers: [String: String]) throws -> HTTPOutcome {
    slots.wait()
    lock.lock()
    inFlight += 1
    peak = max(peak, inFlight)
    lock.unlock()
    defer {
      lock.lock()
      inFlight -= 1
      lock.unlock()
      slots.signal()
    }
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.httpBody = body
    request.timeoutInterval = timeout
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    #if canImport(FoundationNetworking)
      // When a kept-alive connection dies before answering, curl resends on a new connection but
      // FoundationNetworking cannot rewind the body, so the request hangs until the timeout (an
      // idle server closing the connection at the wrong moment is enough). One connection per
      // request avoids it.
      request.setValue("close", forHTTPHeaderField: "Connection")
    #endif

    final class Box: @unchecked Sendable { var outcome: HTTPOutcome = .timedOut }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let task = session.dataTask(with: request) { data, response, error in
      if let error {
        let code = (error as? URLError)?.code
        box.outcome = code == .timedOut ? .timedOut : .connectionFailed(Self.describe(error))
      } else if let http = response as? HTTPURLResponse {
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
          if let k = k as? String, let v = v as? String { fields[k.lowercased()] = v }
        }
        box.outcome = .answer(status: http.statusCode, headers: fields, body: data ?? Data())
      } else {
        box.outcome = .connectionFailed("no HTTP answer")
      }
      done.signal()
    }
    task.resume()
    // URLSession's own timeout is an idle timeout; this deadline bounds the whole exchange, and the
    // short steps let Ctrl-C interrupt a wait.
    let deadline = Date().addingTimeInterval(timeout)
    while done.wait(timeout: .now() + 0.1) == .timedOut {
      if Cancellation.isRequested || Date() > deadline {
        task.cancel()
        _ = done.wait(timeout: .now() + 5)
        try Cancellation.check()
        return .timedOut
      }
    }
    return box.outcome
  }

  /// An error in a few words, without the URL (which the caller names itself).
  private static func describe(_ error: Error) -> String {
    if let e = error as? URLError {
      switch e.code {
      case .cannotConnectToHost: return "connection refused"
      case .networkConnectionLost: return "connection lost before the answer was complete"
      case .cannotFindHost: return "unknown host"
      case .notConnectedToInternet: return "not connected"
      case .secureConnectionFailed: return "TLS failed"
      default:
        let text = e.localizedDescription
        return text.isEmpty || text.hasPrefix("The operation") ? "network error \(e.code.rawValue)" : text
      }
    }
    return "network error"
  }
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }
}
