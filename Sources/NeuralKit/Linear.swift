import TensorKit

/// `y = x · Wᵀ + b` over the last axis, PyTorch layout (`weight` is `[out, in]`).
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    /// - Parameters:
    ///   - inputs: input features.
    ///   - outputs: output features.
    ///   - bias: whether to add a bias (initialised to zero unless `init` is PyTorch's default).
    ///   - initializer: weight law; cSiT uses trunc-normal std 0.02.
    public init(_ inputs: Int, _ outputs: Int, bias: Bool = true,
                initializer: Initializer = .truncatedNormal(std: 0.02), rng: inout RNG) {
        weight = initializer.make([outputs, inputs], fanIn: inputs, rng: &rng)
        weight.requiresGrad = true
        if bias {
            let b: Tensor
            if case .pytorchDefault = initializer { b = initializer.make([outputs], fanIn: inputs, rng: &rng) }
            else { b = Tensor(zeros: [outputs]) }
            b.requiresGrad = true
            self.bias = b
        } else {
            self.bias = nil
        }
    }

    public var inputs: Int { weight.shape[1] }
    public var outputs: Int { weight.shape[0] }

    /// `[…, in]` → `[…, out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.linear(x, weight: weight, bias: bias) }
}

/// Layer normalisation over the last axis with learned scale and shift.
public final class LayerNorm: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-6) {
        weight = Tensor(repeating: 1, shape: [dim], requiresGrad: true)
        bias = Tensor(zeros: [dim], requiresGrad: true)
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }
}

/// Inverted dropout, active in training mode only.
public final class Dropout: Module {
    public let p: Float
    public var _rng: RNG

    /// The rows of the global batch this process holds (data parallelism), nil for all.
    public var rows: RowSelection?

    public init(_ p: Float, rng: RNG) { self.p = p; _rng = rng }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        training && p > 0 ? x.dropout(p, rng: &_rng, rows: rows) : x
    }
}

/// Per-sample stochastic depth, active in training mode only.
public final class DropPath: Module {
    public let p: Float
    public var _rng: RNG

    /// The rows of the global batch this process holds (data parallelism), nil for all.
    public var rows: RowSelection?

    public init(_ p: Float, rng: RNG) { self.p = p; _rng = rng }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        training && p > 0 ? x.dropPath(p, rng: &_rng, rows: rows) : x
    }
}
