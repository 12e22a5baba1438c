import TensorKit

/// 2-D convolution over NCHW input, PyTorch layout (`weight` is `[out, in, k, k]`).
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int

    /// - Parameters:
    ///   - initializer: weight law; the CCT tokenizer uses Kaiming normal (fan-in, gain √2).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = false, initializer: Initializer = .kaimingNormalFanIn, rng: inout RNG) {
        let fanIn = inChannels * kernel * kernel
        weight = initializer.make([outChannels, inChannels, kernel, kernel], fanIn: fanIn, rng: &rng)
        weight.requiresGrad = true
        self.bias = bias ? Tensor(zeros: [outChannels], requiresGrad: true) : nil
        self.stride = stride
        self.padding = padding
    }

    /// `[B, Cin, H, W]` → `[B, Cout, Ho, Wo]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// ConvTranspose2d whose kernel equals its stride `s`: each token becomes one s×s patch,
/// computed as a per-token GEMM and an un-patchify (PyTorch layout `[in, out, s, s]`).
public final class PatchConvTranspose2d: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let patch: Int

    /// Initialised like PyTorch's ConvTranspose2d default (fan-in = out · s · s).
    public init(_ inChannels: Int, _ outChannels: Int, patch: Int, rng: inout RNG) {
        let fanIn = outChannels * patch * patch
        weight = Initializer.pytorchDefault(fanIn: fanIn).make([inChannels, outChannels, patch, patch], fanIn: fanIn, rng: &rng)
        bias = Initializer.pytorchDefault(fanIn: fanIn).make([outChannels], fanIn: fanIn, rng: &rng)
        weight.requiresGrad = true
        bias.requiresGrad = true
        self.patch = patch
    }

    /// `[B, gh·gw, in]` tokens → `[B, out, gh·s, gw·s]`.
    public func callAsFunction(_ tokens: Tensor, gridHeight: Int, gridWidth: Int) -> Tensor {
        let inC = weight.shape[0], outC = weight.shape[1]
        let w = weight.reshaped([inC, outC * patch * patch])
        let perToken = Tensor.matmul(tokens, w)
        let image = perToken.unpatchify(gridHeight: gridHeight, gridWidth: gridWidth, channels: outC, patch: patch)
        return image + bias.reshaped([1, outC, 1, 1])
    }
}
