import Foundation

/// A contiguous, row-major `Float` tensor that can take part in reverse-mode autodiff.
///
/// Tensors are reference types: a parameter is one object whose `grad` accumulates over
/// backward passes. Every tensor is contiguous; `reshaped` and `slice(rows:)` are views
/// sharing storage, everything else writes a new pooled buffer.
public final class Tensor: @unchecked Sendable {
    /// The dimensions, outermost first, e.g. `[B, N, D]`.
    public let shape: [Int]
    /// Shared buffer; `offset` is this tensor's first element in it.
    public private(set) var storage: TensorStorage
    public let offset: Int
    /// Number of elements (product of `shape`).
    public let count: Int

    /// Whether gradients should flow to this tensor (leaves) or through it (results).
    public var requiresGrad: Bool
    /// Accumulated gradient (same shape) after `backward()`.
    public var grad: Tensor?
    /// The operation that produced this tensor, when recorded for autodiff.
    var node: GradNode?

    /// Creates a tensor over existing storage.
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0, requiresGrad: Bool = false) {
        let n = shape.reduce(1, *)
        precondition(offset + n <= storage.count || n == 0, "tensor of \(shape) exceeds its storage")
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.count = n
        self.requiresGrad = requiresGrad
    }

    /// An uninitialised tensor (contents are whatever the pool held).
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(zeros: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A tensor filled with `value`.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(uninitializedShape: shape)
        data.initialize(repeating: value, count: count)
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding `values` (row-major) in the given shape.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
        self.requiresGrad = requiresGrad
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float) { self.init([scalar], shape: []) }

    /// Pointer to the first element. TensorKit only: it does not keep the storage alive, so
    /// other modules use the `withUnsafe…BufferPointer` accessors, and a backward closure
    /// takes it from a tensor it captures (see `recorded`).
    @usableFromInline @inline(__always) var data: UnsafeMutablePointer<Float> { storage.base + offset }

    /// Calls `body` with the elements (row-major, `count` of them) as a read-only buffer.
    ///
    /// The tensor, and so its storage, stays alive until `body` returns: the buffer cannot
    /// go back to the pool and be handed to another tensor while `body` reads it. Take the
    /// buffer once and loop inside `body`; it must not escape.
    ///
    /// - Parameter body: receives the elements; `baseAddress` is never nil.
    /// - Returns: what `body` returns.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeBufferPointer(start: data, count: count)) }
    }

    /// Calls `body` with the elements (row-major, `count` of them) as a writable buffer.
    ///
    /// As `withUnsafeBufferPointer`: the storage outlives `body`, and the buffer must not
    /// escape it. Writes are not recorded for autodiff, and views sharing the storage
    /// (`reshaped`, `slice(rows:)`) see them.
    ///
    /// - Parameter body: receives the elements; `baseAddress` is never nil.
    /// - Returns: what `body` returns.
    @inlinable
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeMutableBufferPointer(start: data, count: count)) }
    }

    /// Calls `body` with writable buffers over the elements of several tensors, in order,
    /// keeping every one alive until `body` returns: one scope for a loop that reads and
    /// writes several tensors together (an optimizer step updates four), not one per tensor.
    ///
    /// - Parameters:
    ///   - tensors: the tensors; the same one may appear twice (the buffers then alias).
    ///   - body: receives one buffer per tensor; every `baseAddress` is non-nil.
    /// - Returns: what `body` returns.
    @inlinable
    public static func withUnsafeMutableBufferPointers<R>(
        _ tensors: [Tensor], _ body: ([UnsafeMutableBufferPointer<Float>]) throws -> R
    ) rethrows -> R {
        try withExtendedLifetime(tensors) {
            try body(tensors.map { UnsafeMutableBufferPointer(start: $0.data, count: $0.count) })
        }
    }

    /// Rank (number of dimensions).
    public var rank: Int { shape.count }

    /// The elements as an array (copies).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, got \(shape)")
        return data[0]
    }

    /// Element at a multi-index (slow; for tests and debugging).
    public subscript(_ index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) for shape \(shape)")
        var f = 0
        for (i, d) in zip(index, shape) { precondition(i >= 0 && i < d); f = f * d + i }
        return f
    }

    /// Size of dimension `axis` (negative counts from the end).
    public func dim(_ axis: Int) -> Int { shape[normalizeAxis(axis, rank: rank)] }

    /// True when no other tensor views this tensor's buffer.
    var ownsStorageUniquely: Bool { isKnownUniquelyReferenced(&storage) }

    /// A copy that does not share storage or history.
    public func copy() -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// The same values, cut from the graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, offset: offset) }

    /// Overwrites the contents with `other`'s (same element count; not recorded).
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    /// Sets every element to `value` (not recorded).
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Multiplies every element by `s` in place (not recorded), as gradient clipping does.
    public func scale(by s: Float) { Kernels.scale(data, by: s, into: data, count: count) }

    /// Σ xᵢ² over the elements, accumulated in `Float` on vector lanes (`Kernels.dot`).
    public func sumOfSquares() -> Float { Kernels.dot(data, data, count: count) }
}

@inline(__always) func normalizeAxis(_ axis: Int, rank: Int) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < Swift.max(rank, 1), "axis \(axis) out of range for rank \(rank)")
    return a
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
