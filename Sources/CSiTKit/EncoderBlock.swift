import NeuralKit
import TensorKit

/// The two-layer GELU MLP of a transformer block (keys `fc1`, `fc2`).
public final class Mlp: Module {
    public let fc1: Linear
    public let fc2: Linear

    public init(dim: Int, hidden: Int, rng: inout RNG) {
        fc1 = Linear(dim, hidden, rng: &rng)
        fc2 = Linear(hidden, dim, rng: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).gelu()) }
}

/// Pre-norm ViT block: `x += DropPath(Attn(LN₁ x)); x += DropPath(MLP(LN₂ x))`.
public final class EncoderBlock: Module {
    public let norm1: LayerNorm
    public let attn: Attention
    public let norm2: LayerNorm
    public let mlp: Mlp
    public let dropPath: DropPath
    /// Keep masks (0/1 per sample) that replace the random drop-path draws, for parity
    /// tests against pinned PyTorch masks.
    public var _pinnedMasks: (attention: [Float], mlp: [Float])?

    public init(dim: Int, heads: Int, mlpRatio: Int, dropPath p: Float, qkvBias: Bool = true,
                attentionDropout: Float = 0, rng: inout RNG) {
        norm1 = LayerNorm(dim, eps: 1e-6)
        attn = Attention(dim: dim, heads: heads, qkvBias: qkvBias, attentionDropout: attentionDropout, rng: &rng)
        norm2 = LayerNorm(dim, eps: 1e-6)
        mlp = Mlp(dim: dim, hidden: dim * mlpRatio, rng: &rng)
        dropPath = DropPath(p, rng: rng.derived("drop_path"))
    }

    override public var keyOverrides: [String: String] { ["dropPath": "drop_path"] }

    /// `[B, N, d]` → `[B, N, d]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = x + branch(attn(norm1(x)), mask: _pinnedMasks?.attention)
        return y + branch(mlp(norm2(y)), mask: _pinnedMasks?.mlp)
    }

    private func branch(_ t: Tensor, mask: [Float]?) -> Tensor {
        guard training, dropPath.p > 0 else { return t }
        if let mask { return t.scaledPerSample(mask.map { $0 / (1 - dropPath.p) }) }
        return dropPath(t)
    }
}
