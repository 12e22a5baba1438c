import Foundation

/// Produces items `0..<count` on worker threads, at most `depth` ahead of the consumer,
/// and hands them out in order.
///
/// Each item must be a pure function of its index (seed everything from the index), so
/// the sequence is the same whatever the number of workers.
public final class Prefetcher<Item>: @unchecked Sendable {
    private let count: Int
    private let depth: Int
    private let produce: @Sendable (Int) throws -> Item
    private let condition = NSCondition()
    private var ready: [Int: Result<Item, Error>] = [:]
    private var nextToStart = 0
    private var nextToTake = 0
    private var stopped = false
    private var threads: [Thread] = []

    /// - Parameters:
    ///   - count: number of items.
    ///   - workers: producer threads.
    ///   - depth: largest number of items produced but not yet taken (bounds memory).
    ///   - produce: makes item `i`.
    public init(count: Int, workers: Int = 1, depth: Int = 2, produce: @escaping @Sendable (Int) throws -> Item) {
        self.count = count
        self.depth = Swift.max(1, depth)
        self.produce = produce
        for w in 0..<Swift.max(1, workers) {
            let t = Thread { [weak self] in self?.work() }
            t.name = "csit-loader-\(w)"
            threads.append(t)
            t.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while !stopped && nextToStart < count && nextToStart - nextToTake >= depth { condition.wait() }
            if stopped || nextToStart >= count { condition.unlock(); return }
            let i = nextToStart
            nextToStart += 1
            condition.unlock()
            let result = Result { try produce(i) }
            condition.lock()
            ready[i] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next item in order, or nil after the last; rethrows a producer's error.
    public func next() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToTake < count else { return nil }
        while ready[nextToTake] == nil { condition.wait() }
        let r = ready.removeValue(forKey: nextToTake)!
        nextToTake += 1
        condition.broadcast()
        return try r.get()
    }

    /// Stops the workers (pending items are dropped).
    public func cancel() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
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
        lock.lock()
        if let im = images[url.path] { lock.unlock(); return im }
        lock.unlock()
        let im = try ImageDecoder.decode(url)
        lock.lock()
        if bytes + im.pixels.count <= capacity, images[url.path] == nil {
            images[url.path] = im
            bytes += im.pixels.count
        }
        lock.unlock()
        return im
    }
}
