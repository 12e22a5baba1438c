extension Tensor {
    /// Max pooling over `[B, C, H, W]`; padding acts as −∞ (never selected).
    public func maxPool2d(kernel: Int, stride: Int, padding: Int = 0) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .pooling) }
        precondition(rank == 4, "maxPool2d needs [B, C, H, W], got \(shape)")
        let geo = ConvGeometry(channels: 1, height: shape[2], width: shape[3], kernelH: kernel, kernelW: kernel,
                               stride: stride, padding: padding)
        let (H, W, Ho, Wo) = (geo.height, geo.width, geo.outHeight, geo.outWidth)
        let planes = shape[0] * shape[1]
        let out = Tensor(uninitializedShape: [shape[0], shape[1], Ho, Wo])
        let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(planes * Ho * Wo, 1))
        let xp = data, op = out.data
        if kernel == 3 && stride == 2 && padding == 1 && Wo >= 8 {
            Tensor.maxPool3x3Stride2(xp, op, argmax, planes: planes, H: H, W: W, Ho: Ho, Wo: Wo)
        } else {
            Parallel.forEach(planes, minChunk: 4) { range in
                for pl in range {
                    let src = xp + pl * H * W, dst = op + pl * Ho * Wo, am = argmax + pl * Ho * Wo
                    for oh in 0..<Ho {
                        let h0 = Swift.max(0, oh * stride - padding), h1 = Swift.min(H, oh * stride - padding + kernel)
                        for ow in 0..<Wo {
                            let w0 = Swift.max(0, ow * stride - padding), w1 = Swift.min(W, ow * stride - padding + kernel)
                            var best = -Float.infinity, bi = h0 * W + w0
                            for h in h0..<h1 {
                                for w in w0..<w1 where src[h * W + w] > best { best = src[h * W + w]; bi = h * W + w }
                            }
                            dst[oh * Wo + ow] = best
                            am[oh * Wo + ow] = Int32(bi)
                        }
                    }
                }
            }
        }
        let box = IndexBuffer(argmax)
        let full = shape
        guard Tensor.needsGrad(self) else { box.release(); return out }
        return out.recorded([self], category: .pooling) { g in
            let gx = Tensor(zeros: full)
            let gp = g.data, gxp = gx.data, am = box.pointer
            Parallel.forEach(planes, minChunk: 4) { range in
                for pl in range {
                    for i in 0..<(Ho * Wo) { gxp[pl * H * W + Int(am[pl * Ho * Wo + i])] += gp[pl * Ho * Wo + i] }
                }
            }
            return [gx]
        }
    }

    /// The tokenizer's pool (3×3, stride 2, padding 1) eight outputs at a time: a horizontal
    /// pass per input row (left/centre/right from the even and odd lanes of 16-float loads,
    /// −∞ beyond the edges), then a vertical pass over the three rows of each output row.
    /// Ties go to the first element in row-major window order, as the scalar path and
    /// PyTorch pick them: leftmost within a row, then the upper row (strict `>`).
    static func maxPool3x3Stride2(_ xp: UnsafePointer<Float>, _ op: UnsafeMutablePointer<Float>,
                                  _ argmax: UnsafeMutablePointer<Int32>, planes: Int, H: Int, W: Int, Ho: Int, Wo: Int) {
        typealias V = SIMD8<Float>
        typealias I = SIMD8<Int32>
        let slots = Parallel.slotCount(planes, minChunk: 4)
        let rowLength = 2 * ((Wo + 7) & ~7) + 24
        let rowScratch = Tensor(uninitializedShape: [slots, rowLength])
        let hmax = Tensor(uninitializedShape: [slots, H * Wo])
        let hcol = UnsafeMutablePointer<Int32>.allocate(capacity: slots * H * Wo)
        defer { hcol.deallocate() }
        let lanes2 = I(0, 2, 4, 6, 8, 10, 12, 14)
        Parallel.forEachSlot(planes, minChunk: 4) { slot, range in
            let row = rowScratch.data + slot * rowLength, hm = hmax.data + slot * H * Wo, hc = hcol + slot * H * Wo
            // row[j + 1] = input column j; −∞ on both sides.
            row.update(repeating: -.infinity, count: rowLength)
            for pl in range {
                let src = xp + pl * H * W
                for h in 0..<H {
                    (row + 1).update(from: src + h * W, count: W)
                    var ow = 0
                    while ow < Wo {
                        let o = Swift.min(ow, Wo - 8)   // overlapping last vector
                        let a = UnsafeRawPointer(row + 2 * o).loadUnaligned(as: SIMD16<Float>.self)
                        let c = UnsafeRawPointer(row + 2 * o + 2).loadUnaligned(as: SIMD16<Float>.self).evenHalf
                        let centre = a.oddHalf, left = lanes2 &+ Int32(2 * o - 1)
                        var best = a.evenHalf, col = left
                        let m1 = centre .> best
                        best.replace(with: centre, where: m1); col.replace(with: left &+ 1, where: m1)
                        let m2 = c .> best
                        best.replace(with: c, where: m2); col.replace(with: left &+ 2, where: m2)
                        UnsafeMutableRawPointer(hm + h * Wo + o).storeBytes(of: best, as: V.self)
                        UnsafeMutableRawPointer(hc + h * Wo + o).storeBytes(of: col, as: I.self)
                        ow = o + 8
                    }
                }
                let dst = op + pl * Ho * Wo, am = argmax + pl * Ho * Wo
                for oh in 0..<Ho {
                    let h0 = Swift.max(0, 2 * oh - 1), h1 = Swift.min(H, 2 * oh + 2)
                    var ow = 0
                    while ow < Wo {
                        let o = Swift.min(ow, Wo - 8)
                        var best = UnsafeRawPointer(hm + h0 * Wo + o).loadUnaligned(as: V.self)
                        var idx = UnsafeRawPointer(hc + h0 * Wo + o).loadUnaligned(as: I.self) &+ Int32(h0 * W)
                        for h in (h0 + 1)..<h1 {
                            let v = UnsafeRawPointer(hm + h * Wo + o).loadUnaligned(as: V.self)
                            let i = UnsafeRawPointer(hc + h * Wo + o).loadUnaligned(as: I.self) &+ Int32(h * W)
                            let better = v .> best
                            best.replace(with: v, where: better)
                            idx.replace(with: i, where: better)
                        }
                        UnsafeMutableRawPointer(dst + oh * Wo + o).storeBytes(of: best, as: V.self)
                        UnsafeMutableRawPointer(am + oh * Wo + o).storeBytes(of: idx, as: I.self)
                        ow = o + 8
                    }
                }
            }
        }
    }
}

/// Owns an index buffer captured by a backward closure.
final class IndexBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    private var freed = false
    init(_ p: UnsafeMutablePointer<Int32>) { pointer = p }
    func release() { if !freed { pointer.deallocate(); freed = true } }
    deinit { release() }
}
