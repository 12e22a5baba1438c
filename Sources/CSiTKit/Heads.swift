import NeuralKit
import TensorKit

/// The "representation size" layer: Linear d→R then tanh (key `fc`).
public final class PreLogits: Module {
    public let fc: Linear

    public init(dim: Int, representationSize: Int, rng: inout RNG) {
        fc = Linear(dim, representationSize, rng: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc(x).tanh() }
}

/// SeqPool: softmax over tokens of `scorer` (Linear d→1), then the weighted sum of the
/// tokens. `[B, N, d]` → `[B, d]`.
public func seqPool(_ x: Tensor, scorer: Linear) -> Tensor {
    let (B, N, d) = (x.shape[0], x.shape[1], x.shape[2])
    let weights = scorer(x).reshaped([B, 1, N]).softmax()
    return Tensor.matmul(weights, x).reshaped([B, d])
}
