import Foundation
import TensorKit

/// How a layer's weights are drawn.
public enum Initializer: Sendable {
    /// Truncated normal (timm's `trunc_normal_`, bounds ±2 absolute).
    case truncatedNormal(std: Float)
    /// Kaiming normal, fan-in mode, gain √2: std = √(2 / fan_in).
    case kaimingNormalFanIn
    /// PyTorch's default for Linear/Conv: U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5).
    case pytorchDefault(fanIn: Int)
    case zeros
    case ones

    /// A tensor of `shape` drawn by this rule; `fanIn` is taken from the shape when needed.
    public func make(_ shape: [Int], fanIn: Int, rng: inout RNG) -> Tensor {
        switch self {
        case .truncatedNormal(let std): return Tensor.truncatedNormal(shape, std: std, rng: &rng)
        case .kaimingNormalFanIn: return Tensor.normal(shape, std: (2 / Float(fanIn)).squareRoot(), rng: &rng)
        case .pytorchDefault(let f):
            let b = 1 / Float(f).squareRoot()
            return Tensor.uniform(shape, -b, b, rng: &rng)
        case .zeros: return Tensor(zeros: shape)
        case .ones: return Tensor(repeating: 1, shape: shape)
        }
    }
}
