import Foundation

/// Wall-clock time per op class, for `csit-bench --profile`. A profiler times the ops of
/// the `ComputeContext` it belongs to (`ComputeContext(threads:profiler:)`), including
/// the parts its parallel loops run on other threads; without one, an op pays one branch.
public final class Profiler: @unchecked Sendable {
    public enum Category: String, CaseIterable, Sendable {
        case gemm = "GEMM (linear, matmul)"
        case attention = "attention GEMMs (per head)"
        case im2col = "convolution: im2col/col2im"
        case convGEMM = "convolution: GEMM"
        case pooling = "max-pool"
        case norm = "layer norm"
        case activation = "GELU / ReLU / softmax"
        case elementwise = "elementwise / broadcast / reductions"
        case shape = "copies (permute, concat, slices)"
        case loss = "losses"
        case optimizer = "optimizer"
        case allocation = "allocation (fresh buffers)"
        case data = "data (corruption, batching)"
    }

    private var totals: [Category: Double] = [:]
    private let lock = NSLock()

    public init() {}

    /// Adds `seconds` to `category`.
    public func add(_ category: Category, _ seconds: Double) {
        lock.lock(); totals[category, default: 0] += seconds; lock.unlock()
    }

    /// Forgets everything recorded so far.
    public func reset() { lock.lock(); totals = [:]; lock.unlock() }

    /// Seconds per category since the last reset.
    public var snapshot: [Category: Double] { lock.lock(); defer { lock.unlock() }; return totals }

    // MARK: - Timing ops (the calling thread's context)

    /// Contexts with a profiler currently running somewhere. The hot path reads it without a
    /// lock: when no profiler runs anywhere, an op costs this one load and branch.
    nonisolated(unsafe) private static var active = 0
    private static let activeLock = NSLock()
    static func activate(_ delta: Int) { activeLock.lock(); active += delta; activeLock.unlock() }

    /// The profiler of the calling thread's context.
    @inline(__always) static var current: Profiler? { active > 0 ? ComputeContext.current.profiler : nil }

    @inline(__always) static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Times `body` under `category` when the calling thread's context has a profiler.
    @inline(__always)
    public static func measure<T>(_ category: Category, _ body: () throws -> T) rethrows -> T {
        guard let p = current else { return try body() }
        let t0 = now()
        defer { p.add(category, now() - t0) }
        return try body()
    }

    /// A start time for `stop` (0 when the calling thread's context has no profiler).
    @inline(__always) public static func start() -> Double { current != nil ? now() : 0 }

    /// Adds the time since `t0` to `category` (no-op when not profiling or `t0` is 0).
    @inline(__always) public static func stop(_ t0: Double, _ category: Category, scale: Double = 1) {
        if t0 != 0, let p = current { p.add(category, (now() - t0) * scale) }
    }

    /// Adds `seconds` to the calling thread's profiler, if any.
    public static func add(_ category: Category, _ seconds: Double) { current?.add(category, seconds) }
}
