extension Tensor {
    /// A view with a new shape (same storage); not recorded.
    func reshapedView(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage, offset: offset)
    }

    /// Resolves one `-1` entry of a requested shape.
    func resolveShape(_ newShape: [Int]) -> [Int] {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            s[i] = known == 0 ? 0 : count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return s
    }

    /// The same elements in a new shape (a view; one entry may be −1).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let s = resolveShape(newShape)
        let oldShape = shape
        return reshapedView(s).recorded([self], category: .shape) { g in [g.reshapedView(oldShape)] }
    }

    /// Rows `range` of the leading dimension, as a view sharing storage.
    public func slice(rows range: Range<Int>) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .shape) }
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "slice \(range) of \(shape)")
        let rowSize = count / Swift.max(shape[0], 1)
        var s = shape; s[0] = range.count
        let full = shape
        return Tensor(shape: s, storage: storage, offset: offset + range.lowerBound * rowSize).recorded([self], category: .shape) { g in
            let out = Tensor(zeros: full)
            (out.data + range.lowerBound * rowSize).update(from: g.data, count: g.count)
            return [out]
        }
    }

    /// Dimensions reordered: result dim `i` is input dim `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .shape) }
        precondition(order.sorted() == Array(0..<rank), "permutation \(order) for rank \(rank)")
        if order == Array(0..<rank) { return self }
        let out = permuteCopy(order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return out.recorded([self], category: .shape) { g in [g.permuteCopy(inverse)] }
    }

    /// Swaps two dimensions.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(normalizeAxis(a, rank: rank), normalizeAxis(b, rank: rank))
        return permuted(order)
    }

    func permuteCopy(_ order: [Int]) -> Tensor {
        let outShape = order.map { shape[$0] }
        let out = Tensor(uninitializedShape: outShape)
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let st = order.map { inStrides[$0] }
        let inner = outShape.last ?? 1, si = st.last ?? 1
        let rows = count / Swift.max(inner, 1)
        let src = data, dst = out.data
        Parallel.forEach(rows, minChunk: Swift.max(1, 16384 / Swift.max(inner, 1))) { range in
            for row in range {
                var rem = row, off = 0
                var d = outShape.count - 2
                while d >= 0 { off += (rem % outShape[d]) * st[d]; rem /= outShape[d]; d -= 1 }
                let x = src + off, z = dst + row * inner
                if si == 1 { z.update(from: x, count: inner) } else { for i in 0..<inner { z[i] = x[i * si] } }
            }
        }
        return out
    }

    /// Joins tensors along `axis` (all other dimensions equal).
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .shape) }
        precondition(!parts.isEmpty)
        let r = parts[0].rank
        let ax = normalizeAxis(axis, rank: r)
        var outShape = parts[0].shape
        outShape[ax] = parts.map { $0.shape[ax] }.reduce(0, +)
        for p in parts {
            precondition(p.rank == r && (0..<r).allSatisfy { $0 == ax || p.shape[$0] == outShape[$0] },
                         "concat: \(p.shape) does not match \(outShape) off axis \(ax)")
        }
        let outer = outShape[..<ax].reduce(1, *)
        let after = outShape[(ax + 1)...].reduce(1, *)
        let out = Tensor(uninitializedShape: outShape)
        let outRow = outShape[ax] * after
        var start = 0
        var starts: [Int] = []
        for p in parts {
            starts.append(start)
            let chunk = p.shape[ax] * after
            let src = p.data, dst = out.data + start
            for o in 0..<outer { (dst + o * outRow).update(from: src + o * chunk, count: chunk) }
            start += chunk
        }
        let sizes = parts.map { $0.shape[ax] }
        return out.recorded(parts, category: .shape) { g in
            zip(parts.indices, sizes).map { i, n in
                parts[i].requiresGrad ? g.narrowCopy(axis: ax, start: starts[i] / after, length: n) : nil
            }
        }
    }

    /// `length` entries of `axis` starting at `start`.
    public func narrow(axis: Int, start: Int, length: Int) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .shape) }
        let ax = normalizeAxis(axis, rank: rank)
        precondition(start >= 0 && start + length <= shape[ax], "narrow \(start)..<\(start + length) of axis \(ax) in \(shape)")
        let full = shape
        return narrowCopy(axis: ax, start: start, length: length).recorded([self], category: .shape) { g in
            let out = Tensor(zeros: full)
            let after = full[(ax + 1)...].reduce(1, *), outer = full[..<ax].reduce(1, *)
            let chunk = length * after, row = full[ax] * after
            for o in 0..<outer { (out.data + o * row + start * after).update(from: g.data + o * chunk, count: chunk) }
            return [out]
        }
    }

    func narrowCopy(axis ax: Int, start: Int, length: Int) -> Tensor {
        var s = shape; s[ax] = length
        let out = Tensor(uninitializedShape: s)
        let after = shape[(ax + 1)...].reduce(1, *), outer = shape[..<ax].reduce(1, *)
        let chunk = length * after, row = shape[ax] * after
        for o in 0..<outer { (out.data + o * chunk).update(from: data + o * row + start * after, count: chunk) }
        return out
    }

    /// Splits along `axis` into pieces of the given sizes.
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let ax = normalizeAxis(axis, rank: rank)
        precondition(sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) for axis of \(shape[ax])")
        var start = 0
        return sizes.map { n in defer { start += n }; return narrow(axis: ax, start: start, length: n) }
    }

    /// Rows of a `[N, D…]` tensor picked by `indices` (repeats allowed) → `[K, D…]`.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .shape) }
        let rowSize = count / Swift.max(shape[0], 1)
        var s = shape; s[0] = indices.count
        let out = Tensor(uninitializedShape: s)
        for (k, i) in indices.enumerated() {
            precondition(i >= 0 && i < shape[0], "row \(i) out of range 0..<\(shape[0])")
            (out.data + k * rowSize).update(from: data + i * rowSize, count: rowSize)
        }
        let full = shape
        return out.recorded([self], category: .shape) { g in
            let gx = Tensor(zeros: full)
            for (k, i) in indices.enumerated() {
                Kernels.axpy(1, g.data + k * rowSize, gx.data + i * rowSize, count: rowSize)
            }
            return [gx]
        }
    }
}
