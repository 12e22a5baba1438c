import Dispatch
import Foundation
import CBLAS

/// Work splitting over the cores, and the one place that decides thread counts.
///
/// OpenBLAS always runs single-threaded: its own pool spins in `sched_yield` for tens of
/// milliseconds after every threaded call, which on a small machine steals the cores from
/// the per-head and per-image loops that follow (measured: attention 40 % slower in the
/// model than alone). Large GEMMs are split here instead (`BLAS.sgemm`), so every thread
/// in the process is one of ours.
public enum Parallel {
    /// How deep the calling thread is in parallel regions. Per thread: a loader thread inside
    /// its own region must not make the training thread's loops run serially.
    private static let depthKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The calling thread's nesting depth (0 outside any parallel region).
    static var depth: Int {
        get { Int(bitPattern: pthread_getspecific(depthKey)) }
        set { pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Threads of the calling thread's `ComputeContext`.
    public static var threadCount: Int { ComputeContext.current.threads }

    /// Sets the process default context's thread count (`nil`: `CSIT_THREADS` or every
    /// core) and pins OpenBLAS to one thread before its first call. The command line calls
    /// this once; code that needs another count for a while scopes a `ComputeContext`.
    public static func configure(threads: Int? = nil) {
        ComputeContext.default = ComputeContext.default.with(threads: threads ?? ComputeContext.environmentThreads)
        _ = blasPinned
    }

    /// OpenBLAS pinned to one thread, once per process (`BLAS.sgemm` touches this first).
    static let blasPinned: Void = { openblas_set_num_threads(1) }()

    /// Threads a loop started now would get: 1 inside a parallel region.
    public static var availableThreads: Int { depth > 0 ? 1 : threadCount }

    /// Calls `body` on disjoint chunks covering `0..<count`, in parallel when worthwhile.
    ///
    /// - Parameters:
    ///   - count: number of work items.
    ///   - minChunk: smallest number of items worth a thread of its own.
    ///   - body: processes one contiguous range of items; must not touch other ranges.
    public static func forEach(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachSlot(count, minChunk: minChunk) { _, range in body(range) }
    }

    /// Runs `body` once per thread slot with the slot index, for per-thread scratch.
    ///
    /// Every chunk runs in the caller's `ComputeContext` (its pool and profiler), whichever
    /// thread takes it.
    public static func forEachSlot(_ count: Int, minChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let context = ComputeContext.current
        let chunks = Swift.min(context.threads, (count + minChunk - 1) / Swift.max(minChunk, 1))
        if chunks <= 1 || depth > 0 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            // Loops nested in this chunk run serially on its thread (the cores are taken).
            let outer = depth
            depth = outer + 1
            defer { depth = outer }
            if lo < hi { context.run { body(c, lo..<hi) } }
        }
    }

    /// Number of slots `forEachSlot` may use for `count` items.
    public static func slotCount(_ count: Int, minChunk: Int = 1) -> Int {
        depth > 0 ? 1 : Swift.max(1, Swift.min(threadCount, (count + minChunk - 1) / Swift.max(minChunk, 1)))
    }
}
