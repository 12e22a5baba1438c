import Foundation
import TensorKit

/// A self-contained training run on synthetic images that exercises the whole engine
/// (convolution, max-pool, attention, GELU MLP, layer norm, cross-entropy, AdamW, cosine
/// schedule): the stand-in main job until the cSiT runner exists, and an integration test.
public enum SmokeTraining {
    /// One logged step.
    public struct Step: Sendable {
        public var step: Int, loss: Float, accuracy: Float, lr: Double
    }

    /// A conv tokenizer, one pre-norm transformer block and a mean-pooled linear head.
    final class Net: Module {
        let conv: Conv2d
        let norm1: LayerNorm
        let attn: Attention
        let norm2: LayerNorm
        let fc1: Linear
        let fc2: Linear
        let head: Linear

        init(width d: Int, classes: Int, rng: inout RNG) {
            conv = Conv2d(3, d, kernel: 3, stride: 2, padding: 1, rng: &rng)
            norm1 = LayerNorm(d)
            attn = Attention(dim: d, heads: 2, rng: &rng)
            norm2 = LayerNorm(d)
            fc1 = Linear(d, 2 * d, rng: &rng)
            fc2 = Linear(2 * d, d, rng: &rng)
            head = Linear(d, classes, rng: &rng)
        }

        func callAsFunction(_ images: Tensor) -> Tensor {
            let f = conv(images).relu().maxPool2d(kernel: 3, stride: 2, padding: 1)   // [B, d, h, w]
            let (B, d) = (f.shape[0], f.shape[1])
            var x = f.reshaped([B, d, -1]).transposed(1, 2)                          // [B, N, d]
            x = x + attn(norm1(x))
            x = x + fc2(fc1(norm2(x)).gelu())
            return head(x.mean(axes: [1]))
        }
    }

    /// Images of horizontal (class 0) or vertical (class 1) stripes under noise, `[B, 3, S, S]`.
    public static func batch(size: Int, imageSize s: Int, rng: inout RNG) -> (Tensor, [Int]) {
        let images = Tensor(uninitializedShape: [size, 3, s, s])
        var labels: [Int] = []
        for b in 0..<size {
            let label = rng.int(in: 0..<2)
            labels.append(label)
            let period = Float(rng.int(in: 3...5)), phase = rng.uniform(0, 6.28)
            for c in 0..<3 { for i in 0..<s { for j in 0..<s {
                let u = Float(label == 0 ? i : j)
                images[b, c, i, j] = sin(u * 6.2832 / period + phase) + 0.5 * rng.normal()
            } } }
        }
        return (images, labels)
    }

    /// Trains for `steps` steps and reports each one through `log`.
    ///
    /// - Returns: every step's loss, training accuracy and learning rate.
    @discardableResult
    public static func run(steps: Int = 60, batchSize: Int = 16, imageSize: Int = 16, width: Int = 32,
                           seed: UInt64 = 0, log: (Step) -> Void = { _ in }) -> [Step] {
        var initRNG = RNG(seed: seed, stream: "init")
        var dataRNG = RNG(seed: seed, stream: "data")
        let net = Net(width: width, classes: 2, rng: &initRNG)
        let groups = ParameterGroup.decaySplit(net.namedParameters(), weightDecay: 0.05)
        let opt = AdamW(groups: groups)
        let schedule = CosineSchedule(baseLR: 3e-3, minLR: 1e-4, warmupLR: 1e-4, warmupSteps: steps / 10,
                                      totalSteps: steps)
        var history: [Step] = []
        for step in 0..<steps {
            let (images, labels) = batch(size: batchSize, imageSize: imageSize, rng: &dataRNG)
            net.zeroGrad()
            let logits = net(images)
            let loss = logits.crossEntropy(labels: labels, labelSmoothing: 0.1)
            loss.backward()
            let lr = schedule.lr(at: step)
            opt.update(lr: Float(lr))
            let correct = (0..<batchSize).filter { b in
                (logits[b, 1] > logits[b, 0] ? 1 : 0) == labels[b]
            }.count
            let s = Step(step: step, loss: loss.item, accuracy: Float(correct) / Float(batchSize), lr: lr)
            history.append(s)
            log(s)
        }
        return history
    }
}
