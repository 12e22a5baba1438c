import Foundation

/// Wall-clock time per op class, for `csit-bench --profile`: off by default (one branch per
/// op when off), on for a profiled step.
public enum Profiler {
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

    /// Whether ops are timed. Written under the lock; the hot path reads it without one, so a
    /// switch takes effect within one op on each thread.
    public static var enabled: Bool {
        get { _enabled }
        set { lock.lock(); _enabled = newValue; lock.unlock() }
    }
    nonisolated(unsafe) private static var _enabled = false
    nonisolated(unsafe) private static var totals: [Category: Double] = [:]
    private static let lock = NSLock()

    @inline(__always) static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Times `body` under `category` when profiling is on.
    @inline(__always)
    public static func measure<T>(_ category: Category, _ body: () throws -> T) rethrows -> T {
        guard _enabled else { return try body() }
        let t0 = now()
        defer { add(category, now() - t0) }
        return try body()
    }

    /// A start time for `stop` (0 when profiling is off).
    @inline(__always) public static func start() -> Double { _enabled ? now() : 0 }

    /// Adds the time since `t0` to `category` (no-op when profiling is off).
    @inline(__always) public static func stop(_ t0: Double, _ category: Category, scale: Double = 1) {
        if _enabled { add(category, (now() - t0) * scale) }
    }

    public static func add(_ category: Category, _ seconds: Double) {
        lock.lock(); totals[category, default: 0] += seconds; lock.unlock()
    }

    public static func reset() { lock.lock(); totals = [:]; lock.unlock() }

    /// Seconds per category since the last reset.
    public static var snapshot: [Category: Double] { lock.lock(); defer { lock.unlock() }; return totals }
}
