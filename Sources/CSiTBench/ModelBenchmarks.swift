import CSiTKit
import Foundation
import NeuralKit
import TensorKit

/// Whole-model steps of csit-compact: an SSL step (2 views: forward, three losses,
/// backward, AdamW), a fine-tune step and inference, as torch_csit.py --bench times them.
struct ModelBenchmark {
    enum Mode: String, CaseIterable { case ssl, finetune, infer }

    var mode: Mode
    var imageSize: Int
    var tokenStride: Int
    var batch: Int
    var threads: Int
    var warmup = 2
    var steps = 5
    var preset = "csit-compact"
    /// Also time each op class during the timed steps (adds one record per class).
    var profile = false

    /// Runs the measurement in this process and returns its JSON record.
    func run() throws -> [BenchRecord] {
        Parallel.configure(threads: threads)
        let config = try CSiTConfig.preset(preset, imageSize: imageSize, tokenStride: tokenStride)
        var rng = RNG(seed: 0, stream: "bench")
        let S = imageSize
        let model = CSiTModel(config: config, mode: mode == .ssl ? .ssl : .finetune(classes: 9), rng: &rng)
        let opt = AdamW(groups: model.parameterGroups(weightDecay: 0.05))
        // Data are prepared before the timed region, as in the PyTorch reference.
        let prepStart = Timing.now()
        let views = Tensor.normal([mode == .ssl ? 2 * batch : batch, 3, S, S], rng: &rng)
        let sslBatch = mode == .ssl ? SSLBatch.make(views: views, rng: &rng) : nil
        let prep = Timing.now() - prepStart
        let labels = (0..<batch).map { $0 % 9 }
        let step: () -> Void
        switch mode {
        case .ssl:
            model.train()
            step = {
                model.zeroGrad()
                let b = sslBatch!
                let losses = model.sslLosses(model.ssl(b.corrupted), rotationLabels: b.rotationLabels, clean: b.clean)
                losses.total.backward()
                opt.update(lr: 1e-4)
            }
        case .finetune:
            model.train()
            step = {
                model.zeroGrad()
                SSLObjective.finetuneLoss(model.classify(views), labels: labels).backward()
                opt.update(lr: 1e-4)
            }
        case .infer:
            model.eval()
            step = { _ = withoutGrad { model.classify(views).logits.softmax() } }
        }
        for _ in 0..<warmup { step() }
        let profiler = Profiler()
        var times: [Double] = []
        ComputeContext.current.with(profiler: profile ? profiler : nil).run {
            for _ in 0..<steps {
                let t0 = Timing.now()
                step()
                times.append(Timing.now() - t0)
            }
        }
        let median = Timing.median(times)
        let flops = config.gflopPerImage([.ssl: .ssl, .finetune: .training, .infer: .inference][mode]!)
        var r = BenchRecord()
        r.set("bench", "model_\(mode.rawValue)"); r.set("engine", "csit"); r.set("preset", preset)
        r.set("image_size", S); r.set("token_stride", tokenStride); r.set("batch", batch); r.set("threads", threads)
        r.set("median_step_s", median); r.set("best_step_s", times.min()!)
        r.set("images_per_s", Double(batch) / median)
        r.set("gflop_per_image", flops); r.set("achieved_gflops", flops * Double(batch) / median)
        r.set("peak_rss_mib", Self.peakRSSMiB())
        r.set("data_prep_s_per_image", prep / Double(batch))
        r.set("step_times", times.map { String(format: "%.4f", $0) }.joined(separator: " "))
        var records = [r]
        if profile {
            let perStep = profiler.snapshot.mapValues { $0 / Double(steps) }
            let mean = times.reduce(0, +) / Double(times.count)
            for c in Profiler.Category.allCases {
                let t = perStep[c] ?? 0
                var p = BenchRecord()
                p.set("bench", "profile_\(mode.rawValue)"); p.set("image_size", S); p.set("batch", batch); p.set("threads", threads)
                p.set("op_class", c.rawValue); p.set("ms_per_step", t * 1e3); p.set("share", t / mean)
                records.append(p)
            }
            let accounted = perStep.values.reduce(0, +)
            var p = BenchRecord()
            p.set("bench", "profile_\(mode.rawValue)"); p.set("image_size", S); p.set("batch", batch); p.set("threads", threads)
            p.set("op_class", "other (autograd bookkeeping, heads, unattributed)"); p.set("ms_per_step", (mean - accounted) * 1e3)
            p.set("share", (mean - accounted) / mean)
            records.append(p)
        }
        return records
    }

    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
