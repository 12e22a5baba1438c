import Foundation
import XCTest
import TensorKit

/// The compute context is scoped per thread and follows the work onto the threads of a
/// parallel loop; nothing leaks into other threads or outlives `run`.
final class ComputeContextTests: XCTestCase {
    /// Two threads in contexts of different sizes, at the same time, each split their loops
    /// by their own thread count.
    func testThreadCountsAreScopedPerThread() {
        let bothInside = DispatchGroup(), release = DispatchSemaphore(value: 0), finishedBoth = DispatchSemaphore(value: 0)
        final class Seen: @unchecked Sendable { var values: [Int: (threads: Int, slots: Int, chunks: Int)] = [:] }
        let seenBox = Seen()
        let lock = NSLock()
        func probe(_ threads: Int) -> Thread {
            bothInside.enter()
            return Thread {
                ComputeContext(threads: threads).run {
                    bothInside.leave()
                    release.wait()
                    var chunks = Set<Int>()
                    let chunkLock = NSLock()
                    Parallel.forEachSlot(300, minChunk: 1) { slot, _ in chunkLock.lock(); chunks.insert(slot); chunkLock.unlock() }
                    lock.lock(); seenBox.values[threads] = (Parallel.threadCount, Parallel.slotCount(300), chunks.count); lock.unlock()
                }
                release.signal()
                finishedBoth.signal()
            }
        }
        for n in [1, 3] { probe(n).start() }
        bothInside.wait()          // both threads are inside their contexts at once
        release.signal()           // one runs its loop, then signals the other on its way out
        finishedBoth.wait()
        finishedBoth.wait()
        let seen = seenBox.values
        XCTAssertEqual(seen[1]?.threads, 1)
        XCTAssertEqual(seen[1]?.slots, 1)
        XCTAssertEqual(seen[1]?.chunks, 1)
        XCTAssertEqual(seen[3]?.threads, 3)
        XCTAssertEqual(seen[3]?.slots, 3)
        XCTAssertEqual(seen[3]?.chunks, 3)
        let outside = Parallel.threadCount
        XCTAssertEqual(outside, ComputeContext.default.threads, "outside any run the default applies")
    }

    /// Chunks of a parallel loop run on other threads in the caller's context: their tensors
    /// come from (and go back to) the context's pool, and its profiler times their ops.
    func testParallelWorkersRunInTheCallersContext() {
        let pool = BufferPool(), profiler = Profiler()
        let context = ComputeContext(threads: 2, pool: pool, profiler: profiler)
        let x = Tensor(repeating: 0.5, shape: [4096])
        let sharedBefore = BufferPool.shared.freshAllocations
        var workerContexts: [ObjectIdentifier] = []
        var outputs: [Tensor] = []
        let lock = NSLock()
        context.run {
            Parallel.forEachSlot(2) { _, _ in
                let y = x.gelu()   // allocates its output, timed as an activation
                lock.lock(); outputs.append(y); workerContexts.append(ObjectIdentifier(ComputeContext.current)); lock.unlock()
            }
        }
        XCTAssertEqual(workerContexts, [ObjectIdentifier(context), ObjectIdentifier(context)])
        XCTAssertEqual(pool.freshAllocations, 2, "each chunk's output from the context's pool")
        outputs = []   // released here, outside the context
        XCTAssertEqual(BufferPool.shared.freshAllocations, sharedBefore, "nothing from the shared pool")
        XCTAssertEqual(pool.idleBytes, 2 * 4096 * 4, "the outputs went back to the pool they came from")
        XCTAssertGreaterThan(profiler.snapshot[.activation] ?? 0, 0)
        XCTAssertFalse(ComputeContext.current === context, "run restores the caller's context")
    }

    /// A profiler times the ops of its own context only, not those another thread runs at
    /// the same time.
    func testAProfilerSeesOnlyItsContext() {
        let profiler = Profiler()
        let started = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        let x = Tensor(repeating: 0.25, shape: [64, 64])
        let other = Thread {
            started.wait()
            for _ in 0..<50 { _ = x.layerNorm(weight: nil, bias: nil) }   // unprofiled, concurrently
            finished.signal()
        }
        other.start()
        ComputeContext(threads: 1, profiler: profiler).run {
            started.signal()
            for _ in 0..<50 { _ = x.gelu() }
            finished.wait()
        }
        XCTAssertGreaterThan(profiler.snapshot[.activation] ?? 0, 0)
        XCTAssertNil(profiler.snapshot[.norm], "the other thread's layer norms were timed by this profiler")
        _ = x.gelu()
        let before = profiler.snapshot[.activation]
        _ = x.gelu()
        XCTAssertEqual(profiler.snapshot[.activation], before, "ops after run are not timed")
    }

    /// Contexts nest and restore, also when the body throws.
    func testRunNestsAndRestoresOnThrow() throws {
        struct Boom: Error {}
        let outer = ComputeContext(threads: 2), inner = ComputeContext(threads: 5)
        try outer.run {
            XCTAssertEqual(Parallel.threadCount, 2)
            XCTAssertThrowsError(try inner.run { XCTAssertEqual(Parallel.threadCount, 5); throw Boom() })
            XCTAssertEqual(Parallel.threadCount, 2)
        }
        XCTAssertEqual(ComputeContext(threads: 0).threads, 1, "at least one thread")
    }
}
