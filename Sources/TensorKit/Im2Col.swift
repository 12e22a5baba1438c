/// Geometry of a 2-D convolution or pooling window over one `[C, H, W]` image.
public struct ConvGeometry: Equatable, Sendable {
    public var channels, height, width, kernelH, kernelW, stride, padding: Int
    public var outHeight: Int { (height + 2 * padding - kernelH) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernelW) / stride + 1 }
    /// Rows of the im2col matrix: `C · kh · kw`.
    public var patchSize: Int { channels * kernelH * kernelW }
    public var outPixels: Int { outHeight * outWidth }

    public init(channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int) {
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.kernelH, self.kernelW, self.stride, self.padding) = (kernelH, kernelW, stride, padding)
    }
}

enum Im2Col {
    /// Writes the `[C·kh·kw, Ho·Wo]` patch matrix of `image` (zero padding).
    static func im2col(_ image: UnsafePointer<Float>, _ g: ConvGeometry, into col: UnsafeMutablePointer<Float>) {
        let (H, W, Ho, Wo, s, p) = (g.height, g.width, g.outHeight, g.outWidth, g.stride, g.padding)
        var row = col
        for c in 0..<g.channels {
            let plane = image + c * H * W
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    // Output columns whose input column lies inside the image.
                    let owLo = Swift.max(0, (p - kj + s - 1) / s)
                    let owHi = Swift.min(Wo, (W + p - kj + s - 1) / s)
                    for oh in 0..<Ho {
                        let ih = oh * s - p + ki
                        let dst = row + oh * Wo
                        if ih < 0 || ih >= H || owLo >= owHi {
                            dst.update(repeating: 0, count: Wo)
                            continue
                        }
                        let src = plane + ih * W - p + kj
                        for ow in 0..<owLo { dst[ow] = 0 }
                        if s == 1 {
                            (dst + owLo).update(from: src + owLo, count: owHi - owLo)
                        } else if s == 2 {
                            stride2Gather(src, dst, owLo, owHi)
                        } else {
                            for ow in owLo..<owHi { dst[ow] = src[ow * s] }
                        }
                        for ow in owHi..<Wo { dst[ow] = 0 }
                    }
                    row += Ho * Wo
                }
            }
        }
    }

    /// `dst[ow] = src[2·ow]` for `ow` in `lo..<hi`, eight outputs per 16-float load (the
    /// tokenizer's convolutions are stride 2; a scalar gather was most of im2col's time).
    /// A load may reach one float past the last one used, so the vector loop stops while at
    /// least one more output remains: every float it touches lies at or before `src[2·(hi−1)]`.
    @inline(__always)
    static func stride2Gather(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int) {
        var ow = lo
        while ow + 8 < hi {
            let v = UnsafeRawPointer(src + 2 * ow).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dst + ow).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
            ow += 8
        }
        while ow < hi { dst[ow] = src[2 * ow]; ow += 1 }
    }

    /// Adds the patch-matrix gradient `col` back into `image` (the adjoint of `im2col`).
    static func col2imAdd(_ col: UnsafePointer<Float>, _ g: ConvGeometry, into image: UnsafeMutablePointer<Float>) {
        let (H, W, Ho, Wo, s, p) = (g.height, g.width, g.outHeight, g.outWidth, g.stride, g.padding)
        var row = col
        for c in 0..<g.channels {
            let plane = image + c * H * W
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    let owLo = Swift.max(0, (p - kj + s - 1) / s)
                    let owHi = Swift.min(Wo, (W + p - kj + s - 1) / s)
                    if owLo < owHi {
                        for oh in 0..<Ho {
                            let ih = oh * s - p + ki
                            if ih < 0 || ih >= H { continue }
                            let src = row + oh * Wo
                            let dst = plane + ih * W - p + kj
                            for ow in owLo..<owHi { dst[ow * s] += src[ow] }
                        }
                    }
                    row += Ho * Wo
                }
            }
        }
    }
}
