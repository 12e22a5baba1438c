import Collectives
import CSiTKit
import Foundation
import NeuralKit
import TensorKit

/// One training step's cost when P processes share a global batch: step time, gradient
/// bytes reduced, and how much of the reduction backward did not hide. Run once alone and
/// once under `mpirun -np P` (tools/bench-dp.sh); the JSON lines carry `processes` and
/// `threads` so the two layouts compare side by side.
///
/// Inputs are random tensors (decoding and augmentation are measured by the data group);
/// the step is the real one: forward on this rank's rows, the contrastive loss over every
/// rank's projections (SSL), bucketed non-blocking gradient averaging, AdamW.
struct DataParallelBenchmark {
    enum Mode: String { case ssl, finetune }
    var mode: Mode
    var imageSize: Int
    var tokenStride: Int
    /// The global batch (images).
    var batch: Int
    var steps: Int

    func run() throws -> BenchRecord {
        let world = World.current
        let P = world.size
        guard batch % P == 0 else { throw CollectivesError.indivisibleBatch(batch: batch, processes: P) }
        let share = batch / P
        let config = try CSiTConfig.preset("csit-compact", imageSize: imageSize, tokenStride: tokenStride)
        var rng = RNG(seed: 1, stream: "bench-init")
        let model = CSiTModel(config: config, mode: mode == .ssl ? .ssl : .finetune(classes: 9), rng: &rng)
        model.train()
        let optimizer = AdamW(groups: model.parameterGroups(weightDecay: 0.05))
        let averager = GradientAverager(parameters: model.trainableParameters.map(\.tensor), communicator: world)
        let rows = mode == .ssl ? 2 * share : share
        var data = RNG(seed: 2, stream: "bench-data").derived("rank", world.rank)
        let x = Tensor((0..<(rows * 3 * imageSize * imageSize)).map { _ in data.normal() }, shape: [rows, 3, imageSize, imageSize])
        let labels = (0..<rows).map { $0 % 4 }
        func step() {
            model.zeroGrad()
            let loss: Tensor
            if mode == .ssl {
                let gather: SSLObjective.RowGather? = P > 1 ? { world.allgatherRows($0) } : nil
                loss = model.sslLosses(model.ssl(x), rotationLabels: labels, clean: x, gather: gather).total
            } else {
                loss = SSLObjective.finetuneLoss(model.classify(x), labels: labels.map { $0 % 9 })
            }
            averager.backward(loss)
            optimizer.update(lr: 1e-4)
        }
        step()   // warm-up: buffer pool, first-touch pages
        var times: [Double] = [], exposedTimes: [Double] = [], skews: [Double] = []
        for _ in 0..<steps {
            world.barrier()
            let t0 = Timing.now(), wall0 = Date().timeIntervalSince1970
            step()
            var t = [Timing.now() - t0]
            world.allreduce(&t, .max)   // a step lasts as long as its slowest rank
            times.append(t[0])
            // The rank whose backward ended last waited for communication alone; the others
            // also waited for it (skew between ranks, not communication).
            let s = averager.statistics
            let ends = world.allgather([Float(s.lastBackwardEnd - wall0), Float(s.lastExposedSeconds)])
            if let last = ends.max(by: { $0[0] < $1[0] }), let first = ends.min(by: { $0[0] < $1[0] }) {
                exposedTimes.append(Double(last[1]))
                skews.append(Double(last[0] - first[0]))
            }
        }
        let after = averager.statistics
        let exposed = P > 1 ? Timing.median(exposedTimes) : 0
        // The same bytes summed with nothing to hide behind: the reduction's full cost.
        var blocking: [Double] = []
        if P > 1 {
            let buffer = ReductionBuffer(count: after.bytesPerStep / 4)
            for _ in 0..<3 {
                world.barrier()
                let t0 = Timing.now()
                world.allreduceSum(buffer)
                blocking.append(Timing.now() - t0)
            }
        }
        var r = BenchRecord()
        r.set("bench", "data_parallel_step")
        r.set("mode", mode.rawValue)
        r.set("image_size", imageSize)
        r.set("token_stride", tokenStride)
        r.set("global_batch", batch)
        r.set("processes", P)
        r.set("threads", Parallel.threadCount)
        r.set("hosts", world.distinctHosts.count)
        r.set("step_seconds", Timing.median(times))
        r.set("images_per_second", Double(batch) / Timing.median(times))
        r.set("gradient_bytes_per_step", after.bytesPerStep)
        r.set("buckets", after.buckets)
        if P > 1 {
            let full = Timing.median(blocking)
            r.set("allreduce_seconds", full)
            r.set("exposed_allreduce_seconds", exposed)
            r.set("hidden_share", full > 0 ? Swift.max(0, 1 - exposed / full) : 0)
            r.set("rank_skew_seconds", Timing.median(skews))
        }
        return r
    }
}
