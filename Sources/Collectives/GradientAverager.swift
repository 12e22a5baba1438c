import Foundation
import TensorKit

/// Averages the gradients of data-parallel ranks during backward.
///
/// Parameters are packed into buckets of about `bucketBytes`, in reverse order (backward
/// finishes the last layers first). A bucket's sum starts (non-blocking) as soon as every
/// gradient in it is final, so communication overlaps the rest of backward; buckets start
/// in one fixed order on every rank, as MPI requires. After backward every gradient is the
/// mean over ranks, so clipping and the optimizer see the same gradient on every rank.
public final class GradientAverager {
    struct Slot { var parameter: Tensor; var offset: Int }
    final class Bucket {
        var slots: [Slot] = []
        var ready = 0
        var count = 0
        var buffer: ReductionBuffer!
        var pending: PendingSum?
    }

    public let communicator: Communicator
    let buckets: [Bucket]
    let bucketOf: [ObjectIdentifier: Int]
    var nextToStart = 0

    /// What the reductions cost, summed over the steps so far.
    public struct Statistics: Sendable, Equatable {
        /// Steps averaged.
        public var steps = 0
        /// Bytes each rank contributed per step.
        public var bytesPerStep = 0
        /// Buckets per step.
        public var buckets = 0
        /// Seconds from the end of backward until every sum had arrived: the part of the
        /// communication backward did not hide.
        public var exposedSeconds = 0.0
        /// Seconds of the whole backward pass with its reductions.
        public var backwardSeconds = 0.0
        /// The last step: when this rank's backward ended (seconds since 1970) and how long it
        /// then waited for the sums. Only the rank whose backward ends last waits for
        /// communication alone; the others also wait for it (a benchmark picks that rank).
        public var lastBackwardEnd = 0.0
        /// How long this rank waited for the sums after its last backward.
        public var lastExposedSeconds = 0.0
    }
    public private(set) var statistics = Statistics()

    /// The parameters of each bucket, in the order the buckets start.
    public var bucketParameters: [[Tensor]] { buckets.map { $0.slots.map(\.parameter) } }

    /// - Parameters:
    ///   - parameters: the trainable parameters, in model order.
    ///   - bucketBytes: the size a bucket fills up to before the next starts (4 MiB: a few
    ///     buckets for a 6 M-parameter model, so the first sums start early in backward).
    public init(parameters: [Tensor], communicator: Communicator, bucketBytes: Int = 4 << 20) {
        self.communicator = communicator
        var out: [Bucket] = [], map: [ObjectIdentifier: Int] = [:]
        var current = Bucket()
        for p in parameters.reversed() {
            if current.count > 0 && (current.count + p.count) * 4 > bucketBytes {
                out.append(current)
                current = Bucket()
            }
            current.slots.append(Slot(parameter: p, offset: current.count))
            current.count += p.count
            map[ObjectIdentifier(p)] = out.count
        }
        if current.count > 0 { out.append(current) }
        for b in out { b.buffer = ReductionBuffer(count: b.count) }
        buckets = out
        bucketOf = map
        statistics.buckets = out.count
        statistics.bytesPerStep = out.reduce(0) { $0 + $1.count * 4 }
    }

    /// Backpropagates `loss` and leaves every parameter's gradient averaged over ranks.
    /// One process: plain backward.
    public func backward(_ loss: Tensor) {
        guard communicator.size > 1 else { loss.backward(); return }
        let began = Date()
        for b in buckets { (b.ready, b.pending) = (0, nil) }
        nextToStart = 0
        loss.backward { leaf in
            guard let k = bucketOf[ObjectIdentifier(leaf)] else { return }
            buckets[k].ready += 1
            startReady()
            for b in buckets[..<nextToStart] { b.pending?.test() }
        }
        // Parameters that got no gradient this step leave their buckets incomplete; start
        // those now, in order (every rank starts every bucket, in the same order).
        let backwardEnd = Date()
        while nextToStart < buckets.count { start(buckets[nextToStart]) }
        for b in buckets { b.pending?.wait() }
        let end = Date()
        let scale = 1 / Float(communicator.size)
        for b in buckets {
            for s in b.slots {
                // A rank without this gradient (it contributed zeros) still takes the mean.
                let g = s.parameter.grad ?? Tensor(zeros: s.parameter.shape)
                g.withUnsafeMutableBufferPointer { b.buffer.read(into: $0, at: s.offset, scale: scale) }
                s.parameter.grad = g
            }
        }
        statistics.steps += 1
        statistics.exposedSeconds += end.timeIntervalSince(backwardEnd)
        statistics.lastBackwardEnd = backwardEnd.timeIntervalSince1970
        statistics.lastExposedSeconds = end.timeIntervalSince(backwardEnd)
        statistics.backwardSeconds += end.timeIntervalSince(began)
    }

    func startReady() {
        while nextToStart < buckets.count, buckets[nextToStart].ready == buckets[nextToStart].slots.count {
            start(buckets[nextToStart])
        }
    }

    func start(_ b: Bucket) {
        for s in b.slots {
            if let g = s.parameter.grad {
                g.withUnsafeBufferPointer { b.buffer.write($0, at: s.offset) }
            } else {
                b.buffer.zero(at: s.offset, count: s.parameter.count)
            }
        }
        b.pending = communicator.startSum(b.buffer)
        nextToStart += 1
    }
}
