import Foundation
import TensorKit

/// Batch-level fine-tuning regularisers on normalised tensors (timm's `Mixup` and
/// `RandomErasing` laws).
public enum BatchMixing {
    /// Settings of mixup / cutmix.
    public struct MixupConfig: Equatable, Sendable, Codable {
        public var mixupAlpha: Double = 0.8
        public var cutmixAlpha: Double = 1.0
        /// Probability of applying either.
        public var probability: Double = 1.0
        /// Probability of cutmix instead of mixup when both are enabled.
        public var switchProbability: Double = 0.5
        public var labelSmoothing: Float = 0.1
        public init() {}
    }

    /// Gamma(α, 1) by Marsaglia–Tsang (α ≥ 1; boosted for α < 1).
    static func gamma(_ alpha: Double, _ rng: inout RNG) -> Double {
        if alpha < 1 { return gamma(alpha + 1, &rng) * pow(Double(rng.uniform()) + 1e-12, 1 / alpha) }
        let d = alpha - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = Double(rng.normal()); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = Double(rng.uniform())
            if u < 1 - 0.0331 * x * x * x * x || Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// Beta(α, α).
    static func beta(_ alpha: Double, _ rng: inout RNG) -> Double {
        let a = gamma(alpha, &rng), b = gamma(alpha, &rng)
        return a / (a + b)
    }

    /// Smoothed one-hot targets `[B, C]`.
    public static func oneHot(_ labels: [Int], classes: Int, smoothing: Float) -> Tensor {
        let t = Tensor(repeating: smoothing / Float(classes), shape: [labels.count, classes])
        t.withUnsafeMutableBufferPointer { p in
            for (i, y) in labels.enumerated() { p[i * classes + y] += 1 - smoothing }
        }
        return t
    }

    /// Mixes the batch with its reverse (timm's "batch" mode) in place and returns soft targets.
    ///
    /// - Returns: `[B, C]` targets `λ·y + (1−λ)·y_flipped` (label smoothing folded in).
    public static func mix(_ images: Tensor, labels: [Int], classes: Int, config: MixupConfig, rng: inout RNG) -> Tensor {
        let B = images.shape[0], H = images.shape[2], W = images.shape[3]
        let y = oneHot(labels, classes: classes, smoothing: config.labelSmoothing)
        let yFlip = oneHot(labels.reversed(), classes: classes, smoothing: config.labelSmoothing)
        guard Double(rng.uniform()) < config.probability, config.mixupAlpha > 0 || config.cutmixAlpha > 0 else { return y }
        let useCutmix = config.cutmixAlpha > 0 && (config.mixupAlpha <= 0 || Double(rng.uniform()) < config.switchProbability)
        let original = images.copy()
        let per = images.count / B
        let lambda: Double = Tensor.withUnsafeMutableBufferPointers([original, images]) { bufs in
            let (source, batch) = (bufs[0].baseAddress!, bufs[1].baseAddress!)
            if useCutmix {
                let lambda = beta(config.cutmixAlpha, &rng)
                // A box of area (1 − λ), centre uniform, clipped; λ corrected to the clipped area.
                let cutRatio = (1 - lambda).squareRoot()
                let ch = Int(Double(H) * cutRatio), cw = Int(Double(W) * cutRatio)
                let cy = rng.int(in: 0..<H), cx = rng.int(in: 0..<W)
                let y0 = Swift.max(cy - ch / 2, 0), y1 = Swift.min(cy + ch / 2, H)
                let x0 = Swift.max(cx - cw / 2, 0), x1 = Swift.min(cx + cw / 2, W)
                for b in 0..<B {
                    let src = source + (B - 1 - b) * per, dst = batch + b * per
                    for c in 0..<(per / (H * W)) { for r in y0..<y1 {
                        (dst + c * H * W + r * W + x0).update(from: src + c * H * W + r * W + x0, count: x1 - x0)
                    } }
                }
                return 1 - Double((y1 - y0) * (x1 - x0)) / Double(H * W)
            }
            let lambda = beta(config.mixupAlpha, &rng)
            let l = Float(lambda)
            for b in 0..<B {
                let src = source + (B - 1 - b) * per, dst = batch + b * per
                for i in 0..<per { dst[i] = l * dst[i] + (1 - l) * src[i] }
            }
            return lambda
        }
        let l = Float(lambda)
        let targets = Tensor(uninitializedShape: y.shape)
        Tensor.withUnsafeMutableBufferPointers([targets, y, yFlip]) { t in
            for i in 0..<y.count { t[0][i] = l * t[1][i] + (1 - l) * t[2][i] }
        }
        return targets
    }

    /// Random erasing (timm, mode "pixel"): with probability `p`, one rectangle of area
    /// U[0.02, 1/3] of the image and log-uniform aspect in [0.3, 3.3] is replaced by N(0, 1)
    /// noise (the images are already normalised). In place, image by image.
    public static func randomErase(_ images: Tensor, probability p: Float = 0.25, rng: inout RNG) {
        let (B, C, H, W) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        images.withUnsafeMutableBufferPointer { px in
            for b in 0..<B where rng.uniform() < p {
                for _ in 0..<10 {
                    let area = Float(H * W) * rng.uniform(0.02, 1.0 / 3)
                    let aspect = Foundation.exp(rng.uniform(Foundation.log(0.3), Foundation.log(1 / 0.3)))
                    let h = Int((area * aspect).squareRoot().rounded()), w = Int((area / aspect).squareRoot().rounded())
                    guard w < W && h < H && w > 0 && h > 0 else { continue }
                    let top = rng.int(in: 0...(H - h)), left = rng.int(in: 0...(W - w))
                    for c in 0..<C { for r in top..<(top + h) { for q in left..<(left + w) {
                        px[((b * C + c) * H + r) * W + q] = rng.normal()
                    } } }
                    break
                }
            }
        }
    }
}
