extension Tensor {
    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .elementwise) }
        let ax = Set((axes ?? Array(0..<rank)).map { normalizeAxis($0, rank: rank) })
        let kept = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let reduced = sumToShape(kept)
        let outShape = keepDims ? kept : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        let full = shape
        return reduced.reshapedView(outShape).recorded([self], category: .elementwise) { g in [g.reshapedView(kept).expanded(to: full)] }
    }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = (axes ?? Array(0..<rank)).map { normalizeAxis($0, rank: rank) }
        let n = Set(ax).map { shape[$0] }.reduce(1, *)
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }
}
