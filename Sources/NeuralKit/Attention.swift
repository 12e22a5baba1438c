import TensorKit

/// Multi-head self-attention with a fused qkv projection (timm's ViT layout: qkv output
/// row = part·d + head·(d/h) + k, part 0/1/2 = q/k/v).
public final class Attention: Module {
    public let qkv: Linear
    public let proj: Linear
    public let heads: Int
    public let attnDrop: Dropout

    /// - Parameters:
    ///   - dim: model width d (divisible by `heads`).
    ///   - qkvBias: whether the qkv projection has a bias (cSiT: yes; the reference CCT: no).
    ///   - attentionDropout: dropout on the attention probabilities.
    public init(dim: Int, heads: Int, qkvBias: Bool = true, attentionDropout: Float = 0, rng: inout RNG) {
        precondition(dim % heads == 0, "width \(dim) is not divisible by \(heads) heads")
        qkv = Linear(dim, 3 * dim, bias: qkvBias, rng: &rng)
        proj = Linear(dim, dim, rng: &rng)
        self.heads = heads
        attnDrop = Dropout(attentionDropout, rng: rng.derived("attn_drop"))
    }

    override public var keyOverrides: [String: String] { ["attnDrop": "attn_drop"] }

    /// `[B, N, d]` → `[B, N, d]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        // Without attention dropout the fused kernel applies (no permute copies).
        if !(training && attnDrop.p > 0) {
            return proj(Tensor.attention(qkv: qkv(x), heads: heads))
        }
        let (B, N, d) = (x.shape[0], x.shape[1], x.shape[2])
        let dh = d / heads
        // [B, N, 3, h, dh] → [3, B, h, N, dh]
        let parts = qkv(x).reshaped([B, N, 3, heads, dh]).permuted([2, 0, 3, 1, 4]).reshaped([3, B * heads, N, dh])
        let (q, k, v) = (parts.slice(rows: 0..<1).reshaped([B * heads, N, dh]),
                         parts.slice(rows: 1..<2).reshaped([B * heads, N, dh]),
                         parts.slice(rows: 2..<3).reshaped([B * heads, N, dh]))
        let p = attnDrop(Tensor.matmul(q, k, transposeB: true).softmax(scale: 1 / Float(dh).squareRoot()))
        let o = Tensor.matmul(p, v).reshaped([B, heads, N, dh]).permuted([0, 2, 1, 3]).reshaped([B, N, d])
        return proj(o)
    }
}
