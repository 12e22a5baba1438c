extension Tensor {
    /// 2-D convolution, NCHW, through im2col + sgemm.
    ///
    /// - Parameters:
    ///   - x: `[B, Cin, H, W]`.
    ///   - weight: `[Cout, Cin, kh, kw]` (PyTorch layout).
    ///   - bias: `[Cout]` or nil.
    /// - Returns: `[B, Cout, Ho, Wo]`.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape), weight \(weight.shape)")
        let B = x.shape[0], cout = weight.shape[0]
        let geo = ConvGeometry(channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                               kernelH: weight.shape[2], kernelW: weight.shape[3], stride: stride, padding: padding)
        let K = geo.patchSize, P = geo.outPixels
        let inSize = geo.channels * geo.height * geo.width
        let out = Tensor(uninitializedShape: [B, cout, geo.outHeight, geo.outWidth])
        let xp = x.data, wp = weight.data, op = out.data
        let bp = bias?.data
        // Images side by side with one BLAS thread each when the batch fills the cores;
        // otherwise one image at a time with every BLAS thread.
        let perImage = B >= Parallel.threadCount
        let slots = perImage ? Parallel.slotCount(B) : 1
        let cols = (0..<slots).map { _ in Tensor(uninitializedShape: [K * P]) }
        let share = 1 / Double(slots)   // per-thread times, summed over the slots
        let body: (Int, Range<Int>) -> Void = { slot, range in
            let col = cols[slot].data
            for b in range {
                let t0 = Profiler.start()
                Im2Col.im2col(xp + b * inSize, geo, into: col)
                Profiler.stop(t0, .im2col, scale: share)
                let ob = op + b * cout * P
                if let bp { for c in 0..<cout { (ob + c * P).update(repeating: bp[c], count: P) } }
                let t1 = Profiler.start()
                BLAS.sgemm(m: cout, n: P, k: K, a: wp, lda: K, b: col, ldb: P, beta: bp == nil ? 0 : 1, c: ob, ldc: P)
                Profiler.stop(t1, .convGEMM, scale: share)
            }
        }
        if perImage { Parallel.forEachSlot(B, body) } else { body(0, 0..<B) }

        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return out.recorded(inputs) { g in
            let xp = x.data, wp = weight.data, gp = g.data
            let needX = x.requiresGrad, needW = weight.requiresGrad
            let gx = needX ? Tensor(zeros: x.shape) : nil
            let slots = perImage ? Parallel.slotCount(B) : 1
            let gws = needW ? (0..<slots).map { _ in Tensor(zeros: weight.shape) } : []
            let cols = (0..<slots).map { _ in Tensor(uninitializedShape: [K * P]) }
            let share = 1 / Double(slots)
            let body: (Int, Range<Int>) -> Void = { slot, range in
                let col = cols[slot].data
                for b in range {
                    let gb = gp + b * cout * P
                    if needW {   // dW += dOut_b · col_bᵀ
                        let t0 = Profiler.start()
                        Im2Col.im2col(xp + b * inSize, geo, into: col)
                        Profiler.stop(t0, .im2col, scale: share)
                        let t1 = Profiler.start()
                        BLAS.sgemm(transB: true, m: cout, n: K, k: P, a: gb, lda: P, b: col, ldb: P,
                                   beta: 1, c: gws[slot].data, ldc: K)
                        Profiler.stop(t1, .convGEMM, scale: share)
                    }
                    if let gx {  // dCol = Wᵀ · dOut_b, then scatter back
                        let t1 = Profiler.start()
                        BLAS.sgemm(transA: true, m: K, n: P, k: cout, a: wp, lda: K, b: gb, ldb: P, c: col, ldc: P)
                        Profiler.stop(t1, .convGEMM, scale: share)
                        let t0 = Profiler.start()
                        Im2Col.col2imAdd(col, geo, into: gx.data + b * inSize)
                        Profiler.stop(t0, .im2col, scale: share)
                    }
                }
            }
            if perImage { Parallel.forEachSlot(B, body) } else { body(0, 0..<B) }
            var gw: Tensor? = nil
            if needW {
                gw = gws[0]
                for t in gws.dropFirst() { Kernels.add(gw!.data, t.data, into: gw!.data, count: t.count) }
            }
            var grads: [Tensor?] = [gx, gw]
            if let bias, bias.requiresGrad {
                // Per-channel sums over batch and pixels.
                let gb = Tensor(zeros: [cout])
                for b in 0..<B { for c in 0..<cout { gb.data[c] += Kernels.sum(gp + (b * cout + c) * P, count: P) } }
                grads.append(gb)
            }
            return grads
        }
    }

    /// `[B, N, C·s·s]` per-token patches (N = gh·gw, channel-major inside a patch) →
    /// `[B, C, gh·s, gw·s]` image: the layout of a ConvTranspose2d with kernel = stride = s.
    public func unpatchify(gridHeight gh: Int, gridWidth gw: Int, channels C: Int, patch s: Int) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .shape) }
        precondition(rank == 3 && shape[1] == gh * gw && shape[2] == C * s * s, "unpatchify: \(shape)")
        let B = shape[0]
        let out = Tensor(uninitializedShape: [B, C, gh * s, gw * s])
        Tensor.patchShuffle(tokens: data, image: out.data, B: B, gh: gh, gw: gw, C: C, s: s, toImage: true)
        return out.recorded([self], category: .shape) { g in
            let t = Tensor(uninitializedShape: [B, gh * gw, C * s * s])
            Tensor.patchShuffle(tokens: t.data, image: g.data, B: B, gh: gh, gw: gw, C: C, s: s, toImage: false)
            return [t]
        }
    }

    static func patchShuffle(tokens: UnsafeMutablePointer<Float>, image: UnsafeMutablePointer<Float>,
                             B: Int, gh: Int, gw: Int, C: Int, s: Int, toImage: Bool) {
        let H = gh * s, W = gw * s
        Parallel.forEach(B * C) { range in
            for bc in range {
                let b = bc / C, c = bc % C
                let plane = image + bc * H * W
                for i in 0..<gh { for u in 0..<s {
                    let imgRow = plane + (i * s + u) * W
                    for j in 0..<gw {
                        let tok = tokens + ((b * gh * gw) + i * gw + j) * C * s * s + (c * s + u) * s
                        if toImage { (imgRow + j * s).update(from: tok, count: s) }
                        else { tok.update(from: imgRow + j * s, count: s) }
                    }
                } }
            }
        }
    }
}
