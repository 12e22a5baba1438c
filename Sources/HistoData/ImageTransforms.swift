import Foundation
import TensorKit

/// Image kernels shared by augmentation, evaluation and the SSL pipeline.
public enum ImageTransforms {
    /// ImageNet channel means and standard deviations.
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// Bicubic resize as Pillow's `Image.resize(…, BICUBIC)`: separable cubic convolution
    /// (a = −0.5) whose support widens with the reduction factor (antialiasing), 22-bit
    /// fixed-point coefficients and 8-bit rounding after each pass, so results match
    /// torchvision's PIL pipeline pixel for pixel.
    public static func resizeBicubic(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        var current = image
        if width != image.width {
            current = resample(current, outSize: width, horizontal: true)
        }
        if height != image.height {
            current = resample(current, outSize: height, horizontal: false)
        }
        return current
    }

    static let precisionBits = 22

    /// Per output index: first source index and integer weights.
    static func coefficients(inSize: Int, outSize: Int) -> [(start: Int, weights: [Int32])] {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = Swift.max(scale, 1)
        let support = 2.0 * filterScale
        func cubic(_ x: Double) -> Double {
            let a = -0.5, x = abs(x)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
        // Multiplying by the reciprocal (not dividing) keeps Pillow's rounding of the taps.
        let ss = 1 / filterScale
        return (0..<outSize).map { o in
            let center = (Double(o) + 0.5) * scale
            let xmin = Swift.max(Int(center - support + 0.5), 0)
            let xmax = Swift.min(Int(center + support + 0.5), inSize)
            var w = (xmin..<xmax).map { cubic((Double($0) - center + 0.5) * ss) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            let k = w.map { v -> Int32 in
                let f = v * Double(1 << precisionBits)
                return Int32(v < 0 ? (f - 0.5).rounded(.towardZero) : (f + 0.5).rounded(.towardZero))
            }
            return (xmin, k)
        }
    }

    /// One separable pass. The taps are flattened into one array and the sums use wrapping
    /// integer arithmetic (it cannot overflow: |Σ w·p| < 2³⁸), so the loops compile to tight
    /// vector code while the module keeps its bounds and overflow checks elsewhere.
    static func resample(_ image: RGBImage, outSize: Int, horizontal: Bool) -> RGBImage {
        let coeffs = coefficients(inSize: horizontal ? image.width : image.height, outSize: outSize)
        let taps = coeffs.map(\.weights.count).max() ?? 0
        var starts = [Int](repeating: 0, count: outSize), counts = [Int](repeating: 0, count: outSize)
        var weights = [Int64](repeating: 0, count: outSize * taps)
        for (o, c) in coeffs.enumerated() {
            (starts[o], counts[o]) = (c.start, c.weights.count)
            for (t, w) in c.weights.enumerated() { weights[o * taps + t] = Int64(w) }
        }
        let (inW, outW, outH) = horizontal ? (image.width, outSize, image.height) : (image.width, image.width, outSize)
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        let half = Int64(1) << (precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                weights.withUnsafeBufferPointer { wts in
                    if horizontal {
                        for y in 0..<outH {
                            let row = y &* inW
                            for x in 0..<outW {
                                var (s0, s1, s2) = (half, half, half)
                                var p = (row &+ starts[x]) &* 3
                                for t in 0..<counts[x] {
                                    let w = wts[x &* taps &+ t]
                                    s0 &+= Int64(src[p]) &* w
                                    s1 &+= Int64(src[p &+ 1]) &* w
                                    s2 &+= Int64(src[p &+ 2]) &* w
                                    p &+= 3
                                }
                                let q = (y &* outW &+ x) &* 3
                                dst[q] = UInt8(clamping: s0 >> Int64(precisionBits))
                                dst[q &+ 1] = UInt8(clamping: s1 >> Int64(precisionBits))
                                dst[q &+ 2] = UInt8(clamping: s2 >> Int64(precisionBits))
                            }
                        }
                    } else {
                        let rowLength = inW &* 3
                        var acc = [Int64](repeating: 0, count: rowLength)
                        acc.withUnsafeMutableBufferPointer { acc in
                            for y in 0..<outH {
                                for i in 0..<rowLength { acc[i] = half }
                                for t in 0..<counts[y] {
                                    let w = wts[y &* taps &+ t]
                                    let base = (starts[y] &+ t) &* rowLength
                                    for i in 0..<rowLength { acc[i] &+= Int64(src[base &+ i]) &* w }
                                }
                                let q = y &* rowLength
                                for i in 0..<rowLength { dst[q &+ i] = UInt8(clamping: acc[i] >> Int64(precisionBits)) }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }

    /// torchvision's `Resize(size)`: the shorter side becomes `size`, the longer side
    /// `Int(size · long / short)`.
    public static func resizeShorterSide(_ image: RGBImage, to size: Int) -> RGBImage {
        let (w, h) = (image.width, image.height)
        if (w <= h && w == size) || (h <= w && h == size) { return image }
        if w < h { return resizeBicubic(image, width: size, height: Int(Double(size) * Double(h) / Double(w))) }
        return resizeBicubic(image, width: Int(Double(size) * Double(w) / Double(h)), height: size)
    }

    /// torchvision's `CenterCrop(size)` (offsets rounded half to even, as Python's `round`).
    public static func centerCrop(_ image: RGBImage, size: Int) -> RGBImage {
        precondition(image.width >= size && image.height >= size, "centre crop \(size) of \(image.width)×\(image.height)")
        let top = Int((Double(image.height - size) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - size) / 2).rounded(.toNearestOrEven))
        return image.cropped(top: top, left: left, height: size, width: size)
    }

    /// The evaluation transform: shorter side to ⌊S·256/224⌋ (bicubic), centre crop S;
    /// an image already S×S passes through unresized.
    public static func evaluationCrop(_ image: RGBImage, size S: Int) -> RGBImage {
        if image.width == S && image.height == S { return image }
        return centerCrop(resizeShorterSide(image, to: Int(Double(S) * 256 / 224)), size: S)
    }

    /// Writes `image` as ImageNet-normalised CHW floats into image `index` of `batch`,
    /// a `[B, 3, H, W]` tensor of the image's size.
    public static func normalize(_ image: RGBImage, into batch: Tensor, at index: Int) {
        let plane = image.width * image.height
        precondition(batch.shape.count == 4 && Array(batch.shape[1...]) == [3, image.height, image.width]
                     && (0..<batch.shape[0]).contains(index),
                     "image \(index) of \(image.width)×\(image.height) does not fit a batch of \(batch.shape)")
        batch.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { px in
                for c in 0..<3 {
                    let scale = 1 / (255 * std[c]), shift = -mean[c] / std[c]
                    let out = dst.baseAddress! + (index * 3 + c) * plane
                    for i in 0..<plane { out[i] = Float(px[i * 3 + c]) * scale + shift }
                }
            }
        }
    }

    /// A batch of equally sized images as a normalised `[B, 3, H, W]` tensor.
    public static func batchTensor(_ images: [RGBImage]) -> Tensor {
        precondition(!images.isEmpty)
        let (w, h) = (images[0].width, images[0].height)
        let t = Tensor(uninitializedShape: [images.count, 3, h, w])
        for (i, im) in images.enumerated() {
            precondition(im.width == w && im.height == h, "batch images differ in size")
            normalize(im, into: t, at: i)
        }
        return t
    }
}
