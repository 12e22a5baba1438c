#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One instance of `Slot` per thread, created on first use and released when the thread
/// ends: the storage behind `GradMode` and `ComputeContext.current`.
///
/// A pthread key rather than `@TaskLocal`: the engine's threads are Dispatch workers and
/// loader `Thread`s, not Swift tasks.
final class ThreadLocal<Slot: AnyObject>: @unchecked Sendable {
    private let key: pthread_key_t
    private let make: () -> Slot

    init(_ make: @escaping () -> Slot) {
        var k = pthread_key_t()
        pthread_key_create(&k) { ptr in
            guard let ptr else { return }
            Unmanaged<AnyObject>.fromOpaque(ptr).release()
        }
        key = k
        self.make = make
    }

    /// The calling thread's slot.
    @inline(__always) var slot: Slot {
        if let p = pthread_getspecific(key) { return Unmanaged<Slot>.fromOpaque(p).takeUnretainedValue() }
        let s = make()
        pthread_setspecific(key, Unmanaged.passRetained(s).toOpaque())
        return s
    }
}
