import Foundation

/// A per-neuron histogram of per-excerpt maxima with logarithmic bins, from which the quantile
/// boundaries are estimated in memory that does not grow with the number of excerpts.
///
/// Bins follow DDSketch's mapping: a value v with |v| >= z (z = 2^-20) falls in bin
/// `sign(v) * (1 + floor(ln(|v| / z) / 0.04))`, and |v| < z in bin 0, so each bin spans a factor
/// of gamma = e^0.04 (4.08%) in magnitude. A neuron keeps a window of 1024 consecutive bins
/// (magnitudes over a factor e^40 on one side of zero); when its maxima outgrow the window, the
/// lowest bins are merged into the first one, so only the lowest quantiles lose resolution. The
/// exact minimum and maximum are kept beside the counts.
///
/// Accuracy. Counts per bin are exact, so the i-th smallest maximum is known to lie in a known
/// bin. The estimate of quantile level p interpolates, like numpy's default, between the
/// estimates of order statistics floor(p(n-1)) and ceil(p(n-1)), each placed inside its bin, so
///
///     |estimate - numpy.quantile(p)| <= (gamma - 1) * max(|x_lo|, |x_hi|) + 2z
///
/// with x_lo, x_hi those two order statistics, unless the bin holding them was merged (maxima
/// spanning more than 1024 bins, e.g. from -1 to +100 with many values near zero).
struct MaxSketch {
  static let binCount = 1024
  static let blockSize = 32
  static let blockCount = binCount / blockSize
  static let logGamma = 0.04
  static let zero = 0x1p-20
  static let gamma = exp(logGamma)

  // Flag bits.
  static let nonEmpty: Int32 = 1
  static let collapsed: Int32 = 2

  /// Bin counts, `binCount` of them, bin `lo + s` in slot s.
  let bins: UnsafeMutablePointer<UInt32>
  /// Sums of each run of `blockSize` bins, so ranks take O(blocks + blockSize).
  let blocks: UnsafeMutablePointer<UInt32>
  let lo: UnsafeMutablePointer<Int32>
  let flags: UnsafeMutablePointer<Int32>
  /// Exact minimum and maximum of the inserted values.
  let minMax: UnsafeMutablePointer<Float>

  // MARK: - Bin mapping

  @inline(__always)
  static func index(_ v: Float) -> Int32 {
    let a = Double(abs(v))
    guard a >= zero else { return 0 }  // also NaN
    let k = Int32(min(log(a / zero) / logGamma, 1e6)) + 1
    return v > 0 ? k : -k
  }

  /// The value range of bin k: [lower, upper) for k > 0, (lower, upper] for k < 0.
  static func edges(_ k: Int32) -> (lower: Double, upper: Double) {
    if k == 0 { return (-zero, zero) }
    let m = Double(abs(k))
    let a = zero * exp(logGamma * (m - 1))
    let b = zero * exp(logGamma * m)
    return k > 0 ? (a, b) : (-b, -a)
  }

  // MARK: - Insertion

  @inline(__always)
  func insert(_ v: Float) {
    let k = MaxSketch.index(v)
    if flags.pointee & MaxSketch.nonEmpty == 0 {
      lo.pointee = k - Int32(MaxSketch.binCount / 2)
      flags.pointee |= MaxSketch.nonEmpty
      minMax[0] = v
      minMax[1] = v
    } else {
      if v < minMax[0] { minMax[0] = v }
      if v > minMax[1] { minMax[1] = v }
    }
    var s = Int(k - lo.pointee)
    if s >= MaxSketch.binCount {
      moveWindowUp(toInclude: k)
      s = Int(k - lo.pointee)
    } else if s < 0 {
      if flags.pointee & MaxSketch.collapsed == 0 { moveWindowDown(toInclude: k) }
      s = max(0, Int(k - lo.pointee))
    }
    bins[s] += 1
    blocks[s / MaxSketch.blockSize] += 1
  }

  private func occupied() -> (low: Int, high: Int) {
    var low = MaxSketch.binCount
    var high = -1
    for s in 0..<MaxSketch.binCount where bins[s] != 0 {
      if s < low { low = s }
      high = s
    }
    return (low, high)
  }

  /// Slides the window so bin k (above it) fits, centring the occupied range when it fits whole,
  /// otherwise merging the lowest bins into slot 0.
  private func moveWindowUp(toInclude k: Int32) {
    let n = Int32(MaxSketch.binCount)
    let lowK = lo.pointee + Int32(occupied().low)
    var newLo: Int32
    if flags.pointee & MaxSketch.collapsed == 0 && k - lowK < n {
      newLo = (lowK + k + 1) / 2 - n / 2
      newLo = min(newLo, lowK)
    } else {
      newLo = k - n + 1
      flags.pointee |= MaxSketch.collapsed
    }
    rebin(newLo)
  }

  /// Slides the window down so bin k fits if the occupied range allows, else merges.
  private func moveWindowDown(toInclude k: Int32) {
    let n = Int32(MaxSketch.binCount)
    let highK = lo.pointee + Int32(occupied().high)
    var newLo: Int32
    if highK - k < n {
      newLo = (k + highK + 1) / 2 - n / 2
      newLo = min(newLo, k)
    } else {
      newLo = highK - n + 1
      flags.pointee |= MaxSketch.collapsed
    }
    rebin(newLo)
  }

  private func rebin(_ newLo: Int32) {
    let n = MaxSketch.binCount
    let old = Array(UnsafeBufferPointer(start: bins, count: n))
    let shift = Int(lo.pointee - newLo)
    bins.update(repeating: 0, count: n)
    for s in 0..<n where old[s] != 0 {
      bins[min(n - 1, max(0, s + shift))] += old[s]
    }
    lo.pointee = newLo
    blocks.update(repeating: 0, count: MaxSketch.blockCount)
    for s in 0..<n { blocks[s / MaxSketch.blockSize] += bins[s] }
  }

  // MARK: - Queries

  @inline(__always)
  private func slot(of v: Float) -> Int {
    min(MaxSketch.binCount - 1, max(0, Int(MaxSketch.index(v) - lo.pointee)))
  }

  /// Number of inserted values in slots below s.
  private func countBelow(slot s: Int) -> Int {
    var c = 0
    let block = s / MaxSketch.blockSize
    for b in 0..<block { c += Int(blocks[b]) }
    for i in (block * MaxSketch.blockSize)..<s { c += Int(bins[i]) }
    return c
  }

  /// The range of quantile levels that the values sharing v's bin occupy among the `count`
  /// inserted: positions of the bin's first and last value over count - 1 (numpy's convention).
  /// Tied values always share a bin, so a tie never straddles the range.
  func levels(of v: Float, count: Int) -> (low: Double, high: Double) {
    guard count > 1 else { return (0, 0) }
    let s = slot(of: v)
    let below = Double(countBelow(slot: s))
    let last = below + Double(max(Int(bins[s]), 1) - 1)
    return (below / Double(count - 1), last / Double(count - 1))
  }

  /// Estimate of the i-th smallest inserted value (0-based), placed inside its bin.
  private func orderStatistic(_ i: Int, count: Int) -> Double {
    if i <= 0 { return Double(minMax[0]) }
    if i >= count - 1 { return Double(minMax[1]) }
    var cum = 0
    var b = 0
    while b < MaxSketch.blockCount - 1 && cum + Int(blocks[b]) <= i {
      cum += Int(blocks[b])
      b += 1
    }
    var s = b * MaxSketch.blockSize
    while s < MaxSketch.binCount - 1 && cum + Int(bins[s]) <= i {
      cum += Int(bins[s])
      s += 1
    }
    let c = Double(bins[s])
    var (lower, upper) = MaxSketch.edges(lo.pointee + Int32(s))
    lower = s == 0 ? Double(minMax[0]) : max(lower, Double(minMax[0]))
    upper = min(upper, Double(minMax[1]))
    let f = c > 0 ? (Double(i - cum) + 0.5) / c : 0.5
    return lower + f * (upper - lower)
  }

  /// The estimated value at quantile level p in [0, 1] with numpy's linear interpolation.
  func quantile(_ p: Double, count: Int) -> Float {
    guard count > 0 else { return .nan }
    let r = p * Double(count - 1)
    let i = Int(r.rounded(.down))
    let frac = r - Double(i)
    let a = orderStatistic(i, count: count)
    if frac == 0 { return Float(a) }
    let b = orderStatistic(i + 1, count: count)
    return Float(a + frac * (b - a))
  }
}
