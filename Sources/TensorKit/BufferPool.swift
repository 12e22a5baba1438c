#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A size-keyed free list of 64-byte-aligned `Float` buffers.
///
/// Training repeats the same shapes every step, so a buffer released at the end of one
/// step is exactly the one the next step asks for: after the first step nothing is
/// allocated and no fresh page is touched. Freed buffers beyond `capacityBytes` go
/// back to the system so a change of shapes cannot hoard memory.
public final class BufferPool: @unchecked Sendable {
    /// The process-wide pool (the default `ComputeContext`'s).
    public static let shared = BufferPool()

    /// Upper bound on the bytes kept in free lists (not on live buffers).
    public var capacityBytes: Int {
        get { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; return _capacityBytes }
        set { pthread_mutex_lock(&lock); _capacityBytes = newValue; pthread_mutex_unlock(&lock) }
    }
    private var _capacityBytes: Int = 8 << 30

    private var freeLists: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private var lock = pthread_mutex_t()

    /// Buffers handed out by `acquire` that had to be freshly allocated.
    public private(set) var freshAllocations = 0
    /// Buffers handed out by `acquire` that came from a free list.
    public private(set) var reusedAllocations = 0

    public init() { pthread_mutex_init(&lock, nil) }

    /// Returns an uninitialised buffer of `count` floats.
    public func acquire(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = Swift.max(count, 1)
        pthread_mutex_lock(&lock)
        if let p = freeLists[n]?.popLast() {
            pooledBytes -= n * 4
            reusedAllocations += 1
            pthread_mutex_unlock(&lock)
            return p
        }
        freshAllocations += 1
        pthread_mutex_unlock(&lock)
        let t0 = Profiler.start()
        defer { Profiler.stop(t0, .allocation) }
        var raw: UnsafeMutableRawPointer?
        let rc = posix_memalign(&raw, 64, n * MemoryLayout<Float>.stride)
        precondition(rc == 0 && raw != nil, "out of memory allocating \(n) floats")
        return raw!.bindMemory(to: Float.self, capacity: n)
    }

    /// Hands a buffer obtained from `acquire` back for reuse.
    public func release(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let n = Swift.max(count, 1)
        pthread_mutex_lock(&lock)
        if pooledBytes + n * 4 <= _capacityBytes {
            freeLists[n, default: []].append(pointer)
            pooledBytes += n * 4
            pthread_mutex_unlock(&lock)
        } else {
            pthread_mutex_unlock(&lock)
            free(pointer)
        }
    }

    /// Frees every pooled buffer (live buffers are untouched).
    public func drain() {
        pthread_mutex_lock(&lock)
        let lists = freeLists
        freeLists = [:]
        pooledBytes = 0
        pthread_mutex_unlock(&lock)
        for (_, list) in lists { for p in list { free(p) } }
    }

    /// Bytes currently held in free lists.
    public var idleBytes: Int {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        return pooledBytes
    }
}

/// Reference-counted ownership of one pooled buffer; tensors that view it share it.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    let base: UnsafeMutablePointer<Float>
    /// The pool the buffer came from and goes back to (the creating context's).
    let pool: BufferPool

    /// Allocates `count` uninitialised floats from the calling thread's `ComputeContext` pool.
    public init(count: Int) {
        self.count = count
        self.pool = ComputeContext.current.pool
        self.base = pool.acquire(count)
    }

    /// Allocates `count` floats set to zero.
    public convenience init(zeros count: Int) {
        self.init(count: count)
        base.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit { pool.release(base, count: count) }
}
