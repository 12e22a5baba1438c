extension Tensor {
    /// Bicubic resize of the last two axes of `[…, H, W]`, as PyTorch's
    /// `F.interpolate(mode: "bicubic", align_corners: false)` (cubic convolution with
    /// A = −0.75, borders clamped); not recorded.
    public func resizedBicubic(height outH: Int, width outW: Int) -> Tensor {
        precondition(rank >= 2, "resize needs […, H, W], got \(shape)")
        let H = shape[rank - 2], W = shape[rank - 1]
        let planes = count / Swift.max(H * W, 1)
        var outShape = shape
        outShape[rank - 2] = outH; outShape[rank - 1] = outW
        let out = Tensor(uninitializedShape: outShape)
        let ry = Tensor.cubicTaps(input: H, output: outH), rx = Tensor.cubicTaps(input: W, output: outW)
        let src = data, dst = out.data
        var rows = [Float](repeating: 0, count: outH * W)
        for p in 0..<planes {
            let plane = src + p * H * W
            // Rows first, then columns: the kernel is separable.
            for oy in 0..<outH {
                let (idx, w) = ry[oy]
                for x in 0..<W {
                    var s: Float = 0
                    for t in 0..<4 { s += w[t] * plane[idx[t] * W + x] }
                    rows[oy * W + x] = s
                }
            }
            let o = dst + p * outH * outW
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let (idx, w) = rx[ox]
                    var s: Float = 0
                    for t in 0..<4 { s += w[t] * rows[oy * W + idx[t]] }
                    o[oy * outW + ox] = s
                }
            }
        }
        return out
    }

    /// For each output coordinate: the four clamped source indices and their weights.
    static func cubicTaps(input: Int, output: Int) -> [([Int], [Float])] {
        let scale = Float(input) / Float(output)
        let A: Float = -0.75
        func near(_ x: Float) -> Float { ((A + 2) * x - (A + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((A * x - 5 * A) * x + 8 * A) * x - 4 * A }
        return (0..<output).map { o in
            let real = (Float(o) + 0.5) * scale - 0.5
            let i0 = Int(real.rounded(.down))
            let t = real - Float(i0)
            let w: [Float] = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            let idx = (-1...2).map { Swift.min(Swift.max(i0 + $0, 0), input - 1) }
            return (idx, w)
        }
    }
}
