import NeuralKit
import TensorKit

/// One tokenizer stage: `Conv2d` (7×7, stride 2, no bias) → ReLU → 3×3 max-pool.
/// Its convolution is stored under key `0`, as in PyTorch's `nn.Sequential`.
public final class ConvStage: Module {
    public let conv: Conv2d
    public let poolStride: Int
    override public var keyOverrides: [String: String] { ["conv": "0"] }

    init(_ inChannels: Int, _ outChannels: Int, poolStride: Int, rng: inout RNG) {
        conv = Conv2d(inChannels, outChannels, kernel: 7, stride: 2, padding: 3, rng: &rng)
        self.poolStride = poolStride
    }

    /// `[B, C, H, W]` → `[B, C', H/(2·2), …]`.
    ///
    /// ReLU and max-pooling commute exactly (ReLU is monotonic and every window holds a real
    /// pixel), so pooling first lets the ReLU touch a quarter of the pixels, forward and back.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv(x).maxPool2d(kernel: 3, stride: poolStride, padding: 1).relu()
    }
}

/// The CCT convolutional tokenizer: two stages, 3 → 64 → d, then channels-last tokens
/// in row-major grid order (token index = i·W′ + j).
public final class ConvTokenizer: Module {
    public let convLayers: [ConvStage]
    override public var keyOverrides: [String: String] { ["convLayers": "conv_layers"] }

    /// - Parameters:
    ///   - tokenStride: 16 (second pool stride 2) or 8 (stride 1).
    public init(dim: Int, midChannels: Int = 64, tokenStride: Int, rng: inout RNG) {
        convLayers = [ConvStage(3, midChannels, poolStride: 2, rng: &rng),
                      ConvStage(midChannels, dim, poolStride: tokenStride == 16 ? 2 : 1, rng: &rng)]
    }

    /// `[B, 3, S, S]` → `[B, N, d]`.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        let f = convLayers[1](convLayers[0](images))
        let (B, d) = (f.shape[0], f.shape[1])
        return f.reshaped([B, d, -1]).transposed(1, 2)
    }
}
