import Foundation
import XCTest
import TensorKit

final class ParallelTests: XCTestCase {
    /// A parallel region on one thread (a loader making a batch) must not make another
    /// thread's loops serial: the nesting depth is per thread.
    func testAnotherThreadsRegionDoesNotSerialiseThisThread() {
        let two = ComputeContext(threads: 2)
        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let loader = Thread {
            two.run {
                Parallel.forEach(2) { r in
                    if r.lowerBound == 0 { inside.signal(); release.wait() }
                }
            }
        }
        loader.start()
        inside.wait()
        two.run {
            XCTAssertEqual(Parallel.availableThreads, 2, "the loader's region serialised the main thread")
            XCTAssertEqual(Parallel.slotCount(100), 2)
            release.signal()
            // Inside a region, nested loops run on their own thread only.
            Parallel.forEach(2) { _ in XCTAssertEqual(Parallel.availableThreads, 1) }
            XCTAssertEqual(Parallel.availableThreads, 2)
        }
    }
}
