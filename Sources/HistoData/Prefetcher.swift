import TensorKit
import Foundation

/// Produces items `0..<count` on worker threads, at most `depth` ahead of the consumer,
/// and hands them out in order.
///
/// Each item must be a pure function of its index (seed everything from the index), so
/// the sequence is the same whatever the number of workers.
public final class Prefetcher<Item>: @unchecked Sendable {
    /// What the workers share. They hold this, never the prefetcher, so dropping the
    /// prefetcher runs its `deinit`, which stops and joins them.
    private final class State: @unchecked Sendable {
        let count: Int
        let depth: Int
        /// Dropped once the workers have stopped, releasing what it captured.
        var produce: (@Sendable (Int) throws -> Item)?
        let condition = NSCondition()
        var ready: [Int: Result<Item, Error>] = [:]
        var nextToStart = 0
        var nextToTake = 0
        var stopped = false
        var running = 0

        init(count: Int, depth: Int, produce: @escaping @Sendable (Int) throws -> Item) {
            (self.count, self.depth, self.produce) = (count, depth, produce)
        }

        func work() {
            while true {
                condition.lock()
                while !stopped && nextToStart < count && nextToStart - nextToTake >= depth { condition.wait() }
                if stopped || nextToStart >= count {
                    running -= 1
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                let i = nextToStart
                nextToStart += 1
                let produce = self.produce!
                condition.unlock()
                let result = Result { try produce(i) }
                condition.lock()
                if !stopped { ready[i] = result }
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    private let state: State

    /// - Parameters:
    ///   - count: number of items.
    ///   - workers: producer threads.
    ///   - depth: largest number of items produced but not yet taken (bounds memory).
    ///   - produce: makes item `i`.
    public init(count: Int, workers: Int = 1, depth: Int = 2, produce: @escaping @Sendable (Int) throws -> Item) {
        let state = State(count: count, depth: Swift.max(1, depth), produce: produce)
        self.state = state
        let n = Swift.max(1, workers)
        state.running = n
        // Workers run in the creator's compute context (its pool, threads and profiler).
        let context = ComputeContext.current
        for w in 0..<n {
            let t = Thread { context.run { state.work() } }
            t.name = "csit-loader-\(w)"
            t.start()
        }
    }

    /// The next item in order, or nil after the last (or after `cancel()`); rethrows a
    /// producer's error.
    public func next() throws -> Item? {
        let s = state
        s.condition.lock()
        defer { s.condition.unlock() }
        guard s.nextToTake < s.count, !s.stopped else { return nil }
        while s.ready[s.nextToTake] == nil {
            if s.stopped { return nil }
            s.condition.wait()
        }
        let r = s.ready.removeValue(forKey: s.nextToTake)!
        s.nextToTake += 1
        s.condition.broadcast()
        return try r.get()
    }

    /// Stops the workers and waits for them to finish the item each may be producing;
    /// pending items are dropped. Called by `deinit`, so a consumer that stops early (an
    /// error, a break) never leaves a worker blocked.
    public func cancel() {
        let s = state
        s.condition.lock()
        s.stopped = true
        s.ready.removeAll()
        s.condition.broadcast()
        while s.running > 0 { s.condition.wait() }
        s.produce = nil
        s.condition.unlock()
    }

    deinit { cancel() }
}

/// A thread-safe cache of decoded images, bounded in bytes (for small datasets that are
/// read every epoch).
public final class ImageCache: @unchecked Sendable {
    private var images: [String: RGBImage] = [:]
    private var bytes = 0
    private let capacity: Int
    private let lock = NSLock()

    public init(capacityBytes: Int) { capacity = capacityBytes }

    /// The decoded image at `url`, from the cache when present.
    public func image(_ url: URL) throws -> RGBImage {
        try image(key: url.path) { try ImageDecoder.decode(url) }
    }

    /// The image cached under `key` (a sample's location), made by `load` when absent.
    public func image(key: String, load: () throws -> RGBImage) throws -> RGBImage {
        lock.lock()
        if let im = images[key] { lock.unlock(); return im }
        lock.unlock()
        let im = try load()
        lock.lock()
        if bytes + im.pixels.count <= capacity, images[key] == nil {
            images[key] = im
            bytes += im.pixels.count
        }
        lock.unlock()
        return im
    }
}
