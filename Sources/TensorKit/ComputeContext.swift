import Foundation

/// Where tensor work runs: how many threads parallel loops and GEMMs use, which pool new
/// buffers come from, and which profiler (if any) times the ops.
///
/// A context is scoped to the calling thread with `run(_:)`, as mlx-swift scopes its
/// default stream: two trainers in one process (tests, a sweep in one process) each get
/// their own thread count and pool without touching a global. Parallel loops hand the
/// caller's context to their worker threads, and `Prefetcher` workers run in the context
/// that created them. Outside any `run` the process default applies, which the command
/// line sets once (`--threads`, else `CSIT_THREADS`, else every core).
public final class ComputeContext: @unchecked Sendable {
    /// Threads used by parallel loops (and by GEMMs, which `BLAS.sgemm` splits over them).
    public let threads: Int
    /// Where tensors created under this context take their buffers.
    public let pool: BufferPool
    /// Times every op run under this context, when set.
    public let profiler: Profiler?

    /// - Parameters:
    ///   - threads: at least 1 (smaller values are raised to 1).
    ///   - pool: the buffer pool (default: the process-wide one).
    ///   - profiler: an op timer, or nil for none (one branch per op).
    public init(threads: Int, pool: BufferPool = .shared, profiler: Profiler? = nil) {
        self.threads = Swift.max(1, threads)
        self.pool = pool
        self.profiler = profiler
    }

    /// The same context with another thread count.
    public func with(threads: Int) -> ComputeContext { ComputeContext(threads: threads, pool: pool, profiler: profiler) }

    /// The same context with a profiler.
    public func with(profiler: Profiler?) -> ComputeContext { ComputeContext(threads: threads, pool: pool, profiler: profiler) }

    // MARK: - Scoping

    /// The thread count the process starts with: `CSIT_THREADS`, else every core.
    static let environmentThreads: Int = {
        if let s = ProcessInfo.processInfo.environment["CSIT_THREADS"], let n = Int(s), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    nonisolated(unsafe) private static var _default = ComputeContext(threads: environmentThreads)
    private static let defaultLock = NSLock()

    /// The context of threads outside any `run`. Set once by the command line.
    public static var `default`: ComputeContext {
        get { defaultLock.lock(); defer { defaultLock.unlock() }; return _default }
        set { defaultLock.lock(); _default = newValue; defaultLock.unlock() }
    }

    private final class Slot { var context: ComputeContext? }
    private static let local = ThreadLocal { Slot() }
    @inline(__always) private static var slot: Slot { local.slot }

    /// The calling thread's context: the innermost `run` on this thread, else the default.
    public static var current: ComputeContext { slot.context ?? `default` }

    /// Runs `body` with this context as the calling thread's (restored afterwards, also
    /// when `body` throws).
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        let s = Self.slot
        let saved = s.context
        s.context = self
        if profiler != nil { Profiler.activate(1) }
        defer {
            s.context = saved
            if profiler != nil { Profiler.activate(-1) }
        }
        return try body()
    }
}
