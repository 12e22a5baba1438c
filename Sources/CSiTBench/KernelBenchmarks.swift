import Foundation
import TensorKit

/// Kernel and layer benchmarks at the shapes of csit-compact, each beside its own
/// reference (raw sgemm for GEMM-bound ops, a parallel copy for memory-bound ones).
struct KernelBenchmarks {
    var batch: Int
    var threads: Int
    var emit: (BenchRecord) -> Void

    private func record(_ name: String, _ shape: String) -> BenchRecord {
        var r = BenchRecord()
        r.set("bench", name); r.set("shape", shape); r.set("threads", threads)
        return r
    }

    private func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RNG(seed: seed, stream: "bench")
        return Tensor.uniform(shape, -1, 1, rng: &rng)
    }

    /// Median seconds of raw `cblas_sgemm` calls with OpenBLAS's own threading at the
    /// measured thread count (csit itself keeps OpenBLAS single-threaded and splits GEMMs).
    private func rawSgemm(_ calls: [(tA: Bool, tB: Bool, m: Int, n: Int, k: Int)]) -> Double {
        // a, b and c of every call, in order; pointers taken once, outside the timing.
        let operands = calls.flatMap { c in
            [randomTensor([c.m * c.k], seed: 1), randomTensor([c.k * c.n], seed: 2), Tensor(zeros: [c.m * c.n])]
        }
        return Tensor.withUnsafeMutableBufferPointers(operands) { p in
            BLAS.withOpenBLASThreads(threads) {
                Timing.median(Timing.measure {
                    for (i, c) in calls.enumerated() {
                        BLAS.sgemmUnsplit(c.tA, c.tB, c.m, c.n, c.k, 1, p[3 * i].baseAddress!, c.tA ? c.m : c.k,
                                  p[3 * i + 1].baseAddress!, c.tB ? c.k : c.n, 0, p[3 * i + 2].baseAddress!, c.n)
                    }
                })
            }
        }
    }

    /// Seconds of the backward pass alone: (forward + backward from `seed`) − forward.
    private func backwardTime(_ seed: Tensor, inputs: [Tensor], _ forward: () -> Tensor) -> Double {
        for t in inputs { t.requiresGrad = true }
        let both = Timing.median(Timing.measure {
            for t in inputs { t.grad = nil }
            forward().backward(gradient: seed)
        })
        let fwd = Timing.median(Timing.measure { _ = forward() })
        for t in inputs { t.requiresGrad = false; t.grad = nil }
        return both - fwd
    }

    /// Keeps every thread busy for half a second before the first measurement: the
    /// dispatch pool lets idle workers go (the 1-thread pass leaves none), and the first
    /// parallel regions after that would otherwise run on the calling thread alone.
    func warmUp() {
        let x = randomTensor([2 * batch * 198, 576], seed: 1), w = randomTensor([576, 576], seed: 2)
        let start = Date()
        while Date().timeIntervalSince(start) < 0.5 { _ = withoutGrad { Tensor.linear(x, weight: w, bias: nil) } }
    }

    func runLinear() {
        let rows = 2 * batch * 198
        for (inF, outF) in [(192, 576), (576, 192), (192, 192)] {
            let x = randomTensor([rows, inF], seed: 3), w = randomTensor([outF, inF], seed: 4)
            let b = randomTensor([outF], seed: 5)
            let flops = 2.0 * Double(rows * inF * outF)
            let shape = "\(rows)x\(inF)->\(outF)"

            let fwd = Timing.median(Timing.measure { _ = withoutGrad { Tensor.linear(x, weight: w, bias: b) } })
            let rawF = rawSgemm([(false, true, rows, outF, inF)])
            var r = record("linear_forward", shape)
            r.set("median_ms", fwd * 1e3); r.set("gflops", flops / fwd / 1e9)
            r.set("sgemm_gflops", flops / rawF / 1e9); r.set("ratio_vs_sgemm", rawF / fwd)
            emit(r)

            let g = randomTensor([rows, outF], seed: 6)
            let bwd = backwardTime(g, inputs: [x, w, b]) { Tensor.linear(x, weight: w, bias: b) }
            let rawB = rawSgemm([(false, false, rows, inF, outF), (true, false, outF, inF, rows)])
            r = record("linear_backward", shape)
            r.set("median_ms", bwd * 1e3); r.set("gflops", 2 * flops / bwd / 1e9)
            r.set("sgemm_gflops", 2 * flops / rawB / 1e9); r.set("ratio_vs_sgemm", rawB / bwd)
            emit(r)
        }
    }

    func runConv() {
        let x = randomTensor([batch, 64, 56, 56], seed: 7), w = randomTensor([192, 64, 7, 7], seed: 8)
        let (K, P) = (64 * 49, 28 * 28)
        let flops = 2.0 * Double(batch * 192 * K * P)
        let shape = "\(batch)x64x56x56 k7 s2 ->192"
        let fwd = Timing.median(Timing.measure { _ = withoutGrad { Tensor.conv2d(x, weight: w, stride: 2, padding: 3) } })
        // The same GEMMs without im2col, threaded the way the conv threads them.
        let a = randomTensor([192 * K], seed: 9), bm = randomTensor([K * P], seed: 10)
        let outs = Tensor(zeros: [batch * 192 * P])
        let raw = Tensor.withUnsafeMutableBufferPointers([a, bm, outs]) { p in
            let (ap, bp, op) = (p[0].baseAddress!, p[1].baseAddress!, p[2].baseAddress!)
            return Timing.median(Timing.measure {
                Parallel.forEach(batch) { r in
                    for i in r { BLAS.sgemm(m: 192, n: P, k: K, a: ap, lda: K, b: bp, ldb: P, c: op + i * 192 * P, ldc: P) }
                }
            })
        }
        var r = record("conv2d_forward", shape)
        r.set("median_ms", fwd * 1e3); r.set("gflops", flops / fwd / 1e9)
        r.set("sgemm_gflops", flops / raw / 1e9); r.set("ratio_vs_sgemm", raw / fwd)
        emit(r)

        let g = randomTensor([batch, 192, 28, 28], seed: 11)
        let bwd = backwardTime(g, inputs: [x, w]) { Tensor.conv2d(x, weight: w, stride: 2, padding: 3) }
        r = record("conv2d_backward", shape)
        r.set("median_ms", bwd * 1e3); r.set("gflops", 2 * flops / bwd / 1e9)
        r.set("sgemm_gflops", flops / raw / 1e9); r.set("ratio_vs_sgemm", 2 * raw / bwd)
        emit(r)
    }

    /// Memory-bound kernels at the model's shapes (cache-resident, beside an equally
    /// cache-resident copy) and, with `rowsOverride`, on buffers far larger than the last
    /// cache level (beside a DRAM copy).
    func runMemoryBound(rowsOverride: Int? = nil) {
        let rows = rowsOverride ?? 2 * batch * 198
        let x = randomTensor([rows, 576], seed: 12)
        let bytes = Double(x.count * 4 * 2)   // one read and one write per element
        let dst = Tensor(zeros: x.shape)
        let copy = Tensor.withUnsafeMutableBufferPointers([x, dst]) { p in
            Timing.median(Timing.measure { Kernels.parallelCopy(p[0].baseAddress!, p[1].baseAddress!, count: x.count) })
        }
        var r = record(rowsOverride == nil ? "copy" : "copy_dram", "\(rows)x576")
        r.set("median_ms", copy * 1e3); r.set("gb_per_s", bytes / copy / 1e9)
        emit(r)
        let copyBW = bytes / copy

        let suffix = rowsOverride == nil ? "" : "_dram"
        func report(_ name: String, _ shape: String, bytes: Double, _ body: @escaping () -> Void) {
            let t = Timing.median(Timing.measure(body))
            var r = record(name + suffix, shape)
            r.set("median_ms", t * 1e3); r.set("gb_per_s", bytes / t / 1e9)
            r.set("copy_gb_per_s", copyBW / 1e9); r.set("ratio_vs_copy", bytes / t / copyBW)
            emit(r)
        }
        report("gelu_forward", "\(rows)x576", bytes: bytes) { _ = withoutGrad { x.gelu() } }
        let g = randomTensor(x.shape, seed: 13)
        x.requiresGrad = true
        let gb = backwardTime(g, inputs: [x]) { x.gelu() }
        x.requiresGrad = false
        var rb = record("gelu_backward" + suffix, "\(rows)x576")
        rb.set("median_ms", gb * 1e3); rb.set("gb_per_s", bytes * 1.5 / gb / 1e9)
        rb.set("copy_gb_per_s", copyBW / 1e9); rb.set("ratio_vs_copy", bytes * 1.5 / gb / copyBW)
        emit(rb)
        let x192 = randomTensor([rows * 3, 192], seed: 14)
        let lw = Tensor(repeating: 1, shape: [192]), lb = Tensor(zeros: [192])
        report("layernorm_forward", "\(rows * 3)x192", bytes: Double(x192.count * 8)) {
            _ = withoutGrad { x192.layerNorm(weight: lw, bias: lb) }
        }
        let heads = rowsOverride.map { $0 / 198 * 576 / 198 } ?? batch * 6
        let scores = randomTensor([heads, 198, 198], seed: 15)
        report("softmax_forward", "\(heads)x198x198", bytes: Double(scores.count * 8)) {
            _ = withoutGrad { scores.softmax(scale: 0.17) }
        }
    }

    func runAttention() {
        // [B·h, N, dh] per view batch: 2·B images × 6 heads, 198 tokens, 32 dims.
        let bh = 2 * batch * 6, n = 198, dh = 32
        let q = randomTensor([bh, n, dh], seed: 16), k = randomTensor([bh, n, dh], seed: 17)
        let v = randomTensor([bh, n, dh], seed: 18)
        let flops = 2.0 * 2.0 * Double(bh * n * n * dh)
        let shape = "\(bh)x\(n)x\(dh)"
        func attend() -> Tensor {
            let s = Tensor.matmul(q, k, transposeB: true).softmax(scale: 1 / Float(dh).squareRoot())
            return Tensor.matmul(s, v)
        }
        // Per-head GEMMs: one per thread with single-threaded BLAS (the engine's choice)
        // against one after another with multi-threaded BLAS.
        let scores = Tensor(zeros: [bh, n, n])
        let (perThread, blasThreaded) = Tensor.withUnsafeMutableBufferPointers([q, k, scores]) { p in
            let (qp, kp, sp) = (p[0].baseAddress!, p[1].baseAddress!, p[2].baseAddress!)
            let perThread = Timing.median(Timing.measure {
                Parallel.forEach(bh) { r in
                    for i in r {
                        BLAS.sgemm(transB: true, m: n, n: n, k: dh, a: qp + i * n * dh, lda: dh,
                                   b: kp + i * n * dh, ldb: dh, c: sp + i * n * n, ldc: n)
                    }
                }
            })
            let blasThreaded = BLAS.withOpenBLASThreads(threads) {
                Timing.median(Timing.measure {
                    for i in 0..<bh {
                        BLAS.sgemmUnsplit(false, true, n, n, dh, 1, qp + i * n * dh, dh,
                                  kp + i * n * dh, dh, 0, sp + i * n * n, n)
                    }
                })
            }
            return (perThread, blasThreaded)
        }
        for (strategy, t) in [("heads_over_threads", perThread), ("blas_threads", blasThreaded)] {
            var r = record("attention_qk_gemms", shape)
            r.set("strategy", strategy); r.set("median_ms", t * 1e3)
            r.set("gflops", 2.0 * Double(bh * n * n * dh) / t / 1e9)
            emit(r)
        }

        let fwd = Timing.median(Timing.measure { _ = withoutGrad { attend() } })
        var r = record("attention_forward", shape)
        r.set("median_ms", fwd * 1e3); r.set("gflops", flops / fwd / 1e9)
        emit(r)
        // The fused kernel the model uses: q, k, v read in place from [B, N, 3d].
        let qkv = randomTensor([bh / 6, n, 3 * 6 * dh], seed: 20)
        let fusedFwd = Timing.median(Timing.measure { _ = withoutGrad { Tensor.attention(qkv: qkv, heads: 6) } })
        r = record("attention_fused_forward", "\(bh / 6)x\(n)x\(3 * 6 * dh)")
        r.set("median_ms", fusedFwd * 1e3); r.set("gflops", flops / fusedFwd / 1e9)
        emit(r)
        let fusedBoth = backwardTime(randomTensor([bh / 6, n, 6 * dh], seed: 21), inputs: [qkv]) {
            Tensor.attention(qkv: qkv, heads: 6)
        } + fusedFwd
        r = record("attention_fused_forward_backward", "\(bh / 6)x\(n)x\(3 * 6 * dh)")
        r.set("median_ms", fusedBoth * 1e3); r.set("gflops", 3 * flops / fusedBoth / 1e9)
        emit(r)

        let seed = randomTensor([bh, n, dh], seed: 19)
        let total = backwardTime(seed, inputs: [q, k, v]) { attend() } + fwd
        r = record("attention_forward_backward", shape)
        r.set("median_ms", total * 1e3); r.set("gflops", 3 * flops / total / 1e9)
        emit(r)
    }
}
