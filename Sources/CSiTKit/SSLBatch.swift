import TensorKit

/// One SSL training batch: 2B corrupted views, their clean rotated targets and rotation labels.
public struct SSLBatch {
    /// `[2B, 3, S, S]` model input.
    public var corrupted: Tensor
    /// `[2B, 3, S, S]` reconstruction targets (rotated, uncorrupted views).
    public var clean: Tensor
    /// k per view: the view was turned k·90° clockwise.
    public var rotationLabels: [Int]
    /// Every corruption draw, in view order.
    public var draws: [CorruptionDraw]

    /// Rotates each view by a uniform k ∈ {0, 1, 2, 3}, then corrupts each half (a view
    /// batch of B) on its own, as the published training loop does.
    ///
    /// - Parameter views: `[2B, 3, S, S]` augmented views ordered [view 1 of images
    ///   0..B−1, view 2 of images 0..B−1].
    public static func make(views: Tensor, rng: inout RNG) -> SSLBatch {
        let n = views.shape[0], S = views.shape[3]
        precondition(n % 2 == 0, "an SSL batch needs two views per image")
        let labels = (0..<n).map { _ in rng.int(in: 0..<4) }
        let clean = rotated(views, by: labels)
        let law = CorruptionLaw(size: S)
        let (first, d1) = Corruption.corruptBatch(clean.slice(rows: 0..<(n / 2)).detached(), law: law, rng: &rng)
        let (second, d2) = Corruption.corruptBatch(clean.slice(rows: (n / 2)..<n).detached(), law: law, rng: &rng)
        return SSLBatch(corrupted: withoutGrad { Tensor.concat([first, second], axis: 0) }, clean: clean,
                        rotationLabels: labels, draws: d1 + d2)
    }

    /// The views at `indices` (a data-parallel rank's rows of the global batch), without
    /// the corruption draws.
    public func rows(_ indices: [Int]) -> SSLBatch {
        withoutGrad {
            SSLBatch(corrupted: corrupted.gatherRows(indices), clean: clean.gatherRows(indices),
                     rotationLabels: indices.map { rotationLabels[$0] }, draws: [])
        }
    }

    /// Each `[3, S, S]` image of `images` turned `k[i]·90°` clockwise (k = 1: 90° clockwise,
    /// 3: 90° counter-clockwise), as `torch.rot90(x, -k, dims=(H, W))`.
    public static func rotated(_ images: Tensor, by k: [Int]) -> Tensor {
        let (n, C, S) = (images.shape[0], images.shape[1], images.shape[2])
        precondition(images.shape[3] == S && k.count == n, "rotation needs square images and one k per image")
        let out = Tensor(uninitializedShape: images.shape)
        Tensor.withUnsafeMutableBufferPointers([images, out]) { bufs in
            let (src, dst) = (bufs[0].baseAddress!, bufs[1].baseAddress!)
            for i in 0..<n { for c in 0..<C {
                let a = src + (i * C + c) * S * S, b = dst + (i * C + c) * S * S
                for r in 0..<S { for q in 0..<S {
                    let v: Float
                    switch ((k[i] % 4) + 4) % 4 {
                    case 0: v = a[r * S + q]
                    case 1: v = a[(S - 1 - q) * S + r]              // clockwise
                    case 2: v = a[(S - 1 - r) * S + (S - 1 - q)]
                    default: v = a[q * S + (S - 1 - r)]             // counter-clockwise
                    }
                    b[r * S + q] = v
                } }
            } }
        }
        return out
    }
}
