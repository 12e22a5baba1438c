import Foundation
import TensorKit

/// A half-open pixel rectangle `[r0, r1) × [c0, c1)`.
public struct PixelRect: Equatable, Sendable, Codable {
    public var r0, r1, c0, c1: Int
    public init(_ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int) { (self.r0, self.r1, self.c0, self.c1) = (r0, r1, c0, c1) }
    public var height: Int { r1 - r0 }
    public var width: Int { c1 - c0 }
    public var area: Int { height * width }
}

/// The random laws of the four SSL corruptions at image size S (method.md §2; S = 224
/// numbers, lengths scaled with S exactly as the PyTorch reference scales them).
public struct CorruptionLaw: Equatable, Sendable {
    public let size: Int
    /// ⌊0.05·S⌋, at least 1: minimum rectangle side.
    public let tol: Int
    /// Exclusive upper bound of block sides: ⌊S/4⌋ (at least tol + 1).
    public let maxBlock: Int
    /// Largest blur-kernel draw: round(15·S/224), at least 3.
    public let kernelMax: Int
    /// σ ~ U[0.1, 0.1 + sigmaSpan), sigmaSpan = 5·S/224.
    public let sigmaSpan: Float
    /// Drop / replace target fraction ~ U[0, maxFraction).
    public let maxFraction: Float = 0.3

    public init(size: Int) {
        self.size = size
        tol = Swift.max(1, Int(0.05 * Double(size)))
        maxBlock = Swift.max(tol + 1, Int(0.25 * Double(size)))
        kernelMax = Swift.max(3, Int((15 * Double(size) / 224).rounded(.toNearestOrEven)))
        sigmaSpan = Float(5 * Double(size) / 224)
    }

    /// Grayscale / blur rectangle: top-left ~ U{0..S−tol−1}, extent ~ U{tol..S−1}, clipped.
    public func rect(_ rng: inout RNG) -> PixelRect {
        let r0 = rng.int(in: 0..<(size - tol)), c0 = rng.int(in: 0..<(size - tol))
        let r1 = Swift.min(r0 + rng.int(in: tol..<size), size)
        let c1 = Swift.min(c0 + rng.int(in: tol..<size), size)
        return PixelRect(r0, r1, c0, c1)
    }

    /// Blur draw: odd kernel 2·⌊U{3..kmax}/2⌋+1 (shrunk to fit the rectangle), σ, rectangle.
    public func blur(_ rng: inout RNG) -> (kernel: Int, sigma: Float, rect: PixelRect) {
        var k = 2 * (rng.int(in: 3...kernelMax) / 2) + 1
        let sigma = rng.uniform() * sigmaSpan + 0.1
        let r = rect(&rng)
        k = Swift.min(k, 2 * (Swift.min(r.height, r.width) - 1) + 1)
        return (k, sigma, r)
    }

    /// Drop / replace blocks: a target fraction f, then blocks until their summed area ≥ f·S².
    public func blocks(_ rng: inout RNG) -> (fraction: Float, blocks: [PixelRect]) {
        let f = rng.uniform(0, maxFraction)
        let target = f * Float(size * size)
        var out: [PixelRect] = [], total = 0
        while Float(total) < target {
            let r0 = rng.int(in: 0..<(size - tol)), c0 = rng.int(in: 0..<(size - tol))
            let b = PixelRect(r0, Swift.min(r0 + rng.int(in: tol..<maxBlock), size),
                              c0, Swift.min(c0 + rng.int(in: tol..<maxBlock), size))
            out.append(b)
            total += b.area
        }
        return (f, out)
    }
}

/// Every draw of one image's corruption, for logs and replay.
public struct CorruptionDraw: Equatable, Sendable {
    public var grayRect: PixelRect
    public var blurKernel: Int
    public var blurSigma: Float
    public var blurRect: PixelRect
    public var dropFraction: Float
    public var dropBlocks: [PixelRect]
    /// Index in the view batch of the image copied from (equal to the own index: no replace).
    public var replaceSource: Int
    public var replaceFraction: Float
    public var replaceBlocks: [PixelRect]
}

/// The four corruption operations on `[3, S, S]` float images, in place.
public enum Corruption {
    /// Pixels of `rect` → the unweighted mean of the three channels.
    public static func grayscale(_ img: UnsafeMutablePointer<Float>, size S: Int, rect: PixelRect) {
        let plane = S * S
        for r in rect.r0..<rect.r1 {
            for c in rect.c0..<rect.c1 {
                let i = r * S + c
                let m = (img[i] + img[plane + i] + img[2 * plane + i]) / 3
                img[i] = m; img[plane + i] = m; img[2 * plane + i] = m
            }
        }
    }

    /// Normalised 1-D Gaussian taps `exp(−x²/2σ²)`, x = −k/2…k/2.
    public static func gaussianTaps(_ k: Int, sigma: Float) -> [Float] {
        let taps = (0..<k).map { i -> Float in
            let x = Float(i - k / 2)
            return Foundation.exp(-(x * x) / (2 * sigma * sigma))
        }
        let s = taps.reduce(0, +)
        return taps.map { $0 / s }
    }

    /// Gaussian blur of the pixels inside `rect`, reflect-padded at the rectangle's own
    /// border (the rectangle is blurred as an image of its own). Separable: rows, then columns.
    public static func blur(_ img: UnsafeMutablePointer<Float>, size S: Int, rect: PixelRect, kernel k: Int, sigma: Float) {
        let (h, w, p) = (rect.height, rect.width, k / 2)
        guard h > 0, w > 0, k > 1 else { return }
        precondition(p < h && p < w, "blur kernel \(k) too large for a \(h)×\(w) rectangle")
        let taps = gaussianTaps(k, sigma: sigma)
        func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i) }
        var patch = [Float](repeating: 0, count: h * w), tmp = [Float](repeating: 0, count: h * w)
        for c in 0..<3 {
            let plane = img + c * S * S
            for r in 0..<h { for q in 0..<w { patch[r * w + q] = plane[(rect.r0 + r) * S + rect.c0 + q] } }
            for r in 0..<h { for q in 0..<w {
                var s: Float = 0
                for t in 0..<k { s += taps[t] * patch[r * w + reflect(q + t - p, w)] }
                tmp[r * w + q] = s
            } }
            for r in 0..<h { for q in 0..<w {
                var s: Float = 0
                for t in 0..<k { s += taps[t] * tmp[reflect(r + t - p, h) * w + q] }
                plane[(rect.r0 + r) * S + rect.c0 + q] = s
            } }
        }
    }

    /// Fills `block` in all channels with N(0, 1) noise.
    public static func fillNoise(_ img: UnsafeMutablePointer<Float>, size S: Int, block: PixelRect, rng: inout RNG) {
        for c in 0..<3 { for r in block.r0..<block.r1 { for q in block.c0..<block.c1 {
            img[c * S * S + r * S + q] = rng.normal()
        } } }
    }

    /// Copies `block` in all channels from `source` (same position).
    public static func copy(_ img: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, size S: Int, block: PixelRect) {
        for c in 0..<3 { for r in block.r0..<block.r1 {
            let o = c * S * S + r * S + block.c0
            (img + o).update(from: source + o, count: block.width)
        } }
    }

    /// Corrupts a view batch `[n, 3, S, S]` image by image, in order: grayscale rectangle,
    /// blur rectangle, random drop, random replace (from image j of the same batch,
    /// j ~ U{0..n−1}, skipped when j = i; image j is already corrupted when j < i).
    ///
    /// - Returns: the corrupted copy and every draw.
    public static func corruptBatch(_ views: Tensor, law: CorruptionLaw, rng: inout RNG) -> (Tensor, [CorruptionDraw]) {
        let (n, S) = (views.shape[0], views.shape[3])
        precondition(views.rank == 4 && views.shape[1] == 3 && views.shape[2] == S && S == law.size,
                     "corruptBatch expects [n, 3, \(law.size), \(law.size)], got \(views.shape)")
        let out = views.detached().copy()
        let per = 3 * S * S
        var draws: [CorruptionDraw] = []
        out.withUnsafeMutableBufferPointer { images in
            let base = images.baseAddress!
            for i in 0..<n {
                let x = base + i * per
                let gray = law.rect(&rng)
                grayscale(x, size: S, rect: gray)
                let (k, sigma, blurRect) = law.blur(&rng)
                blur(x, size: S, rect: blurRect, kernel: k, sigma: sigma)
                let (fd, dropBlocks) = law.blocks(&rng)
                for b in dropBlocks { fillNoise(x, size: S, block: b, rng: &rng) }
                let j = rng.int(in: 0..<n)
                var (fr, replaceBlocks): (Float, [PixelRect]) = (0, [])
                if j != i {
                    (fr, replaceBlocks) = law.blocks(&rng)
                    for b in replaceBlocks { copy(x, from: base + j * per, size: S, block: b) }
                }
                draws.append(CorruptionDraw(grayRect: gray, blurKernel: k, blurSigma: sigma, blurRect: blurRect,
                                            dropFraction: fd, dropBlocks: dropBlocks, replaceSource: j,
                                            replaceFraction: fr, replaceBlocks: replaceBlocks))
            }
        }
        return (out, draws)
    }
}
