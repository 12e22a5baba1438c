import Foundation

extension CSiTConfig {
    /// What a step does with each image, for counting its arithmetic.
    public enum Workload: String, CaseIterable, Sendable {
        /// Forward only: evaluation and prediction.
        case inference
        /// Forward and backward through the whole model: fine-tuning.
        case training
        /// Forward through a frozen backbone, backward through the heads only: linear and MLP
        /// probes (the backbone's activations need no gradient).
        case frozenBackbone
        /// SSL pretraining: two corrupted views per image, three losses, backward through all.
        case ssl
    }

    /// Matmul, convolution and attention GFLOPs per source image (a multiply-add counts 2),
    /// counted from the architecture: forward F; a training step is 3F (forward + backward),
    /// less the first convolution's input gradient, which is never needed; an SSL step sees
    /// two views and adds the reconstruction head; a frozen-backbone step is F plus the heads.
    /// Norms, activations and the optimiser are left out (a few per cent at 224 px).
    public func gflopPerImage(_ workload: Workload) -> Double {
        let S = Double(imageSize), d = Double(dim), L = Double(depth), r = Double(mlpRatio)
        let mid = Double(tokenizerChannels)
        // Stage 1: 7×7 stride-2 conv at S/2, pooled to S/4; stage 2: conv at S/8.
        let h1 = S / 2, h2 = S / 8
        let conv1 = 2 * 3 * 49 * mid * h1 * h1
        let conv2 = 2 * mid * 49 * d * h2 * h2
        let n = Double(tokenCount + 2)
        let linears = L * 2 * n * (3 * d * d + d * d + 2 * r * d * d)
        let attention = L * 2 * 2 * n * n * d
        // Heads: d → 9, or d → R → 9 with a representation layer.
        let classifier = representationSize.map { 2 * d * Double($0) + 2 * Double($0) * 9 } ?? 2 * d * 9
        let sslHeads = 2 * d * (4 + 512) + 2 * Double(tokenCount) * d * 3 * Double(tokenStride * tokenStride)
        let backbone = conv1 + conv2 + linears + attention
        switch workload {
        case .inference: return (backbone + classifier) / 1e9
        case .training: return (3 * (backbone + classifier) - conv1) / 1e9
        case .frozenBackbone: return (backbone + 3 * classifier) / 1e9
        case .ssl: return 2 * (3 * (backbone + sslHeads) - conv1) / 1e9
        }
    }
}
