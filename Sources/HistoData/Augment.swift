import Foundation
import TensorKit

/// The draws of one augmented view, for logs and replay.
public struct AugmentDraw: Equatable, Sendable {
    /// Random-resized-crop box in source pixels.
    public var top, left, height, width: Int
    public var flip: Bool
    /// Jitter factors (brightness, contrast, saturation) and the order they were applied in.
    public var factors: [Float]
    public var order: [Int]

    public init(top: Int, left: Int, height: Int, width: Int, flip: Bool, factors: [Float], order: [Int]) {
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
        (self.flip, self.factors, self.order) = (flip, factors, order)
    }
}

/// Training augmentations with Pillow's uint8 semantics (torchvision on PIL images).
public enum Augment {
    /// `RandomResizedCrop` box: ten tries of area ~ U(scale)·area and log-aspect ~ U(log ratio),
    /// else the centre crop clamped to the ratio range.
    public static func sampleCrop(width: Int, height: Int, scale: ClosedRange<Double> = 0.08...1,
                                  ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3), rng: inout RNG) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(width * height)
        let logR = (Foundation.log(ratio.lowerBound), Foundation.log(ratio.upperBound))
        for _ in 0..<10 {
            let target = area * Double(rng.uniform(Float(scale.lowerBound), Float(scale.upperBound)))
            let aspect = Foundation.exp(Double(rng.uniform(Float(logR.0), Float(logR.1))))
            let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
            if w > 0 && w <= width && h > 0 && h <= height {
                return (rng.int(in: 0...(height - h)), rng.int(in: 0...(width - w)), h, w)
            }
        }
        let inRatio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if inRatio < ratio.lowerBound { h = Int((Double(width) / ratio.lowerBound).rounded()) }
        else if inRatio > ratio.upperBound { w = Int((Double(height) * ratio.upperBound).rounded()) }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }

    /// Mirror left–right.
    public static func flipHorizontal(_ image: RGBImage) -> RGBImage {
        var out = image
        let w = image.width
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let row = y &* w &* 3
                    for x in 0..<w {
                        let (d, s) = (row &+ x &* 3, row &+ (w &- 1 &- x) &* 3)
                        (dst[d], dst[d &+ 1], dst[d &+ 2]) = (src[s], src[s &+ 1], src[s &+ 2])
                    }
                }
            }
        }
        return out
    }

    /// Pillow's `L` conversion: (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16.
    @inline(__always) static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        (Int(r) &* 19595 &+ Int(g) &* 38470 &+ Int(b) &* 7471 &+ 0x8000) >> 16
    }

    /// Pillow's `Image.blend(degenerate, image, f)`: truncation inside [0, 1], clipping outside.
    @inline(__always) static func blend(_ degenerate: Int, _ value: UInt8, _ f: Float) -> UInt8 {
        let t = Float(degenerate) + f * (Float(value) - Float(degenerate))
        if f >= 0 && f <= 1 { return UInt8(t) }
        return t <= 0 ? 0 : (t >= 255 ? 255 : UInt8(t))
    }

    /// `out[i] = blend(degenerate(pixel of i), image[i], f)` over every channel value.
    @inline(__always)
    static func blendPixels(_ image: RGBImage, _ f: Float, degenerate: (UInt8, UInt8, UInt8) -> Int) -> RGBImage {
        var out = image
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for p in 0..<(image.width &* image.height) {
                    let i = p &* 3
                    let d = degenerate(src[i], src[i &+ 1], src[i &+ 2])
                    dst[i] = blend(d, src[i], f)
                    dst[i &+ 1] = blend(d, src[i &+ 1], f)
                    dst[i &+ 2] = blend(d, src[i &+ 2], f)
                }
            }
        }
        return out
    }

    /// `ImageEnhance.Brightness(im).enhance(f)`: blend with black.
    public static func brightness(_ image: RGBImage, _ f: Float) -> RGBImage {
        blendPixels(image, f) { _, _, _ in 0 }
    }

    /// `ImageEnhance.Contrast(im).enhance(f)`: blend with the image's mean grey level.
    public static func contrast(_ image: RGBImage, _ f: Float) -> RGBImage {
        let n = image.width * image.height
        let sum = image.pixels.withUnsafeBufferPointer { src in
            var sum = 0
            for p in 0..<n { let i = p &* 3; sum &+= luma(src[i], src[i &+ 1], src[i &+ 2]) }
            return sum
        }
        let mean = Int(Double(sum) / Double(Swift.max(n, 1)) + 0.5)
        return blendPixels(image, f) { _, _, _ in mean }
    }

    /// `ImageEnhance.Color(im).enhance(f)`: blend with the grey version (saturation).
    public static func saturation(_ image: RGBImage, _ f: Float) -> RGBImage {
        blendPixels(image, f) { r, g, b in luma(r, g, b) }
    }

    /// Replays a recorded draw: crop, bicubic resize to S, flip, jitter in the recorded order.
    public static func apply(_ d: AugmentDraw, to image: RGBImage, size S: Int) -> RGBImage {
        var out = ImageTransforms.resizeBicubic(image.cropped(top: d.top, left: d.left, height: d.height, width: d.width),
                                                width: S, height: S)
        if d.flip { out = flipHorizontal(out) }
        for k in d.order {
            switch k {
            case 0: out = brightness(out, d.factors[0])
            case 1: out = contrast(out, d.factors[1])
            default: out = saturation(out, d.factors[2])
            }
        }
        return out
    }

    /// One SSL / fine-tuning view: random resized crop to S (bicubic), horizontal flip with
    /// p = 0.5, colour jitter (brightness, contrast, saturation factors ~ U[1−j, 1+j] in a
    /// random order; hue untouched).
    public static func trainView(_ image: RGBImage, size S: Int, jitter: Float = 0.4, rng: inout RNG) -> (RGBImage, AugmentDraw) {
        let box = sampleCrop(width: image.width, height: image.height, rng: &rng)
        var out = ImageTransforms.resizeBicubic(image.cropped(top: box.top, left: box.left, height: box.height, width: box.width),
                                                width: S, height: S)
        let flip = rng.uniform() < 0.5
        if flip { out = flipHorizontal(out) }
        let order = rng.permutation(3)
        let factors = (0..<3).map { _ in rng.uniform(Swift.max(0, 1 - jitter), 1 + jitter) }
        if jitter > 0 {
            for k in order {
                switch k {
                case 0: out = brightness(out, factors[0])
                case 1: out = contrast(out, factors[1])
                default: out = saturation(out, factors[2])
                }
            }
        }
        return (out, AugmentDraw(top: box.top, left: box.left, height: box.height, width: box.width, flip: flip,
                                 factors: factors, order: order))
    }
}
