import TensorKit

extension Communicator {
    /// Every rank's rows of `x`, stacked in rank order: `[n_0 + … + n_{P−1}, …]` from each
    /// rank's `[n_r, …]` (trailing dimensions equal). Differentiable: the gradient of the
    /// gathered tensor is summed over ranks and each rank keeps its own rows, as SimCLR's
    /// distributed NT-Xent needs (every rank's loss reaches every rank's projections).
    ///
    /// - Returns: the gathered tensor and the first row of this rank's block in it.
    public func allgatherRows(_ x: Tensor) -> (all: Tensor, offset: Int) {
        guard size > 1 else { return (x, 0) }
        let rowSize = x.shape.dropFirst().reduce(1, *)
        let parts = allgather(x.scalars)
        let rows = parts.map { $0.count / Swift.max(rowSize, 1) }
        let offset = rows[..<rank].reduce(0, +)
        let all = Tensor(parts.flatMap { $0 }, shape: [rows.reduce(0, +)] + Array(x.shape.dropFirst()))
        let mine = offset..<(offset + x.shape[0])
        all.recordingCustomGradient(of: [x]) { [self] g in
            let summed = ReductionBuffer(g.scalars)
            allreduceSum(summed)
            let values = summed.values
            return [Tensor(Array(values[(mine.lowerBound * rowSize)..<(mine.upperBound * rowSize)]), shape: x.shape)]
        }
        return (all, offset)
    }

    /// Every rank's rows of `x` stacked in rank order, without a gradient.
    public func allgatherRows(values x: Tensor) -> Tensor {
        guard size > 1 else { return x }
        let parts = allgather(x.scalars)
        let rowSize = x.shape.dropFirst().reduce(1, *)
        let rows = parts.reduce(0) { $0 + $1.count } / Swift.max(rowSize, 1)
        return Tensor(parts.flatMap { $0 }, shape: [rows] + Array(x.shape.dropFirst()))
    }
}
