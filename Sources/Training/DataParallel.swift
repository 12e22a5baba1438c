import Collectives
import Foundation
import TensorKit

/// How one run's global batch is split over the processes of a data-parallel run.
///
/// Rank r holds rows `[r·B/P, (r+1)·B/P)` of every global batch and decodes and augments
/// only those (each image's augmentation depends on the image, epoch and seed alone). What
/// the published method draws across the whole batch (SSL corruptions copying pixels from
/// other images, mixup's partner, random erasing's stream) is drawn on the gathered global
/// batch, identically on every rank, so the numbers are those of one process up to float
/// summation order, whatever P is.
public struct DataParallel {
    public let communicator: Communicator
    /// The global batch size.
    public let batchSize: Int

    /// - Throws: ``CollectivesError/indivisibleBatch(batch:processes:)``.
    public init(communicator: Communicator, batchSize: Int) throws {
        guard batchSize % communicator.size == 0 else {
            throw CollectivesError.indivisibleBatch(batch: batchSize, processes: communicator.size)
        }
        (self.communicator, self.batchSize) = (communicator, batchSize)
    }

    public var isParallel: Bool { communicator.size > 1 }
    /// Rows per rank.
    public var share: Int { batchSize / communicator.size }
    /// This rank's rows of the global batch; nil for one process (all of it).
    public var rows: Range<Int>? { isParallel ? (communicator.rank * share)..<((communicator.rank + 1) * share) : nil }

    /// This rank's rows of a `[B, …]` batch, for per-row random draws.
    public var sampleRows: RowSelection? { rows.map { RowSelection(indices: Array($0), total: batchSize) } }

    /// This rank's rows of a `[2B, …]` SSL view batch ordered [view 1 of 0..B−1, view 2 of 0..B−1].
    public var viewRows: RowSelection? {
        rows.map { RowSelection(indices: Array($0) + $0.map { $0 + batchSize }, total: 2 * batchSize) }
    }

    /// The global `[2B, 3, S, S]` views from every rank's `[2b, 3, S, S]` ([view 1 of its
    /// images, view 2 of its images]), in the one-process order.
    public func gatherViews(_ local: Tensor) -> Tensor {
        let all = communicator.allgatherRows(values: local)
        let b = share
        let firsts = (0..<communicator.size).map { all.slice(rows: (2 * b * $0)..<(2 * b * $0 + b)) }
        let seconds = (0..<communicator.size).map { all.slice(rows: (2 * b * $0 + b)..<(2 * b * ($0 + 1))) }
        return Tensor.concat(firsts + seconds, axis: 0)
    }

    /// The global labels from every rank's share.
    public func gatherLabels(_ local: [Int]) -> [Int] {
        communicator.allgather(local.map { Float($0) }).flatMap { $0 }.map { Int($0) }
    }

    /// The mean over ranks of each rank's values (per-step losses and their parts).
    public func mean(_ values: [Double]) -> [Double] {
        guard isParallel else { return values }
        var v = values
        communicator.allreduce(&v, .sum)
        return v.map { $0 / Double(communicator.size) }
    }

    /// The decision every rank takes after a step: the strongest any rank took (a signal
    /// may reach one rank first, clocks differ), so all checkpoint and stop at the same step.
    public func agree(_ decision: StepCheckpointPolicy.Decision) -> StepCheckpointPolicy.Decision {
        guard isParallel else { return decision }
        var v = [Double(decision.rawValue)]
        communicator.allreduce(&v, .max)
        return StepCheckpointPolicy.Decision(rawValue: Int(v[0])) ?? decision
    }

    /// Checks that every rank holds the same parameters (a sum and a sum of squares,
    /// compared by max and min over ranks): data parallelism is only correct while they do.
    ///
    /// - Throws: `TrainingError.ranksDiverged` naming the epoch.
    public func checkParametersAgree(_ parameters: [Tensor], epoch: Int) throws {
        guard isParallel else { return }
        var s = 0.0, q = 0.0
        for p in parameters { p.withUnsafeBufferPointer { for x in $0 { s += Double(x); q += Double(x) * Double(x) } } }
        var hi = [s, q], lo = [s, q]
        communicator.allreduce(&hi, .max)
        communicator.allreduce(&lo, .min)
        guard hi == lo else { throw TrainingError.ranksDiverged(epoch: epoch, sums: [lo[0], hi[0]]) }
    }
}
