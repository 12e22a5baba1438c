/// Float memory a collective reads and writes in place, owned by csit (not a tensor's
/// storage), so a non-blocking reduction can hold it while the tensors it came from change.
public final class ReductionBuffer: @unchecked Sendable {
    let storage: UnsafeMutableBufferPointer<Float>

    /// A buffer of `count` zeros.
    public init(count: Int) {
        storage = .allocate(capacity: Swift.max(count, 1))
        storage.initialize(repeating: 0)
        self.count = count
    }

    /// A buffer holding `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { storage[i] = v }
    }

    deinit { storage.deallocate() }

    /// Floats in the buffer.
    public let count: Int

    /// A copy of the contents.
    public var values: [Float] { Array(storage.prefix(count)) }

    /// The float at `i` (0 ..< count).
    public subscript(i: Int) -> Float {
        get { storage[i] }
        set { storage[i] = newValue }
    }

    /// Copies `source` into the buffer at `offset`.
    public func write(_ source: UnsafeBufferPointer<Float>, at offset: Int) {
        precondition(offset >= 0 && offset + source.count <= count, "write of \(source.count) at \(offset) into \(count)")
        guard let base = source.baseAddress, source.count > 0 else { return }
        (storage.baseAddress! + offset).update(from: base, count: source.count)
    }

    /// Fills `[offset, offset + n)` with zeros.
    public func zero(at offset: Int, count n: Int) {
        precondition(offset >= 0 && offset + n <= count, "zero of \(n) at \(offset) into \(count)")
        (storage.baseAddress! + offset).update(repeating: 0, count: n)
    }

    /// Copies `[offset, offset + target.count)` times `scale` into `target`.
    public func read(into target: UnsafeMutableBufferPointer<Float>, at offset: Int, scale: Float = 1) {
        precondition(offset >= 0 && offset + target.count <= count, "read of \(target.count) at \(offset) from \(count)")
        for i in 0..<target.count { target[i] = storage[offset + i] * scale }
    }
}
