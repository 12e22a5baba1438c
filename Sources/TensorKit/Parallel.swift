import Dispatch
import Foundation
import CBLAS

/// Work splitting over the cores, and the one place that decides thread counts.
///
/// Inside a parallel region OpenBLAS is switched to one thread, so GEMMs issued by the
/// workers (one attention head, one image's convolution) never oversubscribe the cores;
/// large GEMMs outside regions use every thread.
public enum Parallel {
    nonisolated(unsafe) private static var _threads: Int = {
        if let s = ProcessInfo.processInfo.environment["CSIT_THREADS"], let n = Int(s), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()
    nonisolated(unsafe) private static var depth = 0
    private static let lock = NSLock()

    /// Threads used by parallel loops and by BLAS outside them.
    public static var threadCount: Int {
        get { _threads }
        set {
            _threads = Swift.max(1, newValue)
            openblas_set_num_threads(Int32(_threads))
        }
    }

    /// Applies the configured thread count to OpenBLAS (call once at start-up).
    public static func configure(threads: Int? = nil) {
        threadCount = threads ?? _threads
    }

    /// Calls `body` on disjoint chunks covering `0..<count`, in parallel when worthwhile.
    ///
    /// - Parameters:
    ///   - count: number of work items.
    ///   - minChunk: smallest number of items worth a thread of its own.
    ///   - body: processes one contiguous range of items; must not touch other ranges.
    public static func forEach(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Swift.min(_threads, (count + minChunk - 1) / Swift.max(minChunk, 1))
        if chunks <= 1 || depth > 0 {
            body(0..<count)
            return
        }
        lock.lock(); depth += 1; lock.unlock()
        openblas_set_num_threads(1)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
        openblas_set_num_threads(Int32(_threads))
        lock.lock(); depth -= 1; lock.unlock()
    }

    /// Runs `body` once per thread slot with the slot index, for per-thread scratch.
    public static func forEachSlot(_ count: Int, minChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Swift.min(_threads, (count + minChunk - 1) / Swift.max(minChunk, 1))
        if chunks <= 1 || depth > 0 {
            body(0, 0..<count)
            return
        }
        lock.lock(); depth += 1; lock.unlock()
        openblas_set_num_threads(1)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(c, lo..<hi) }
        }
        openblas_set_num_threads(Int32(_threads))
        lock.lock(); depth -= 1; lock.unlock()
    }

    /// Number of slots `forEachSlot` may use for `count` items.
    public static func slotCount(_ count: Int, minChunk: Int = 1) -> Int {
        depth > 0 ? 1 : Swift.max(1, Swift.min(_threads, (count + minChunk - 1) / Swift.max(minChunk, 1)))
    }
}
