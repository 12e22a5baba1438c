import NeuralKit
import TensorKit

/// The reference CCT encoder layer (post-norm): `x += DropPath(Attn(pre_norm x));
/// x = norm1 x; x += DropPath(linear2(GELU(linear1 x)))`.
public final class CCTEncoderLayer: Module {
    public let preNorm: LayerNorm
    public let selfAttn: Attention
    public let linear1: Linear
    public let linear2: Linear
    public let norm1: LayerNorm
    public let dropPath: DropPath

    override public var keyOverrides: [String: String] {
        ["preNorm": "pre_norm", "selfAttn": "self_attn", "dropPath": "drop_path"]
    }

    init(dim: Int, heads: Int, mlpRatio: Int, dropPath p: Float, attentionDropout: Float, rng: inout RNG) {
        preNorm = LayerNorm(dim, eps: 1e-5)
        selfAttn = Attention(dim: dim, heads: heads, qkvBias: false, attentionDropout: attentionDropout, rng: &rng)
        linear1 = Linear(dim, dim * mlpRatio, rng: &rng)
        linear2 = Linear(dim * mlpRatio, dim, rng: &rng)
        norm1 = LayerNorm(dim, eps: 1e-5)
        dropPath = DropPath(p, rng: rng.derived("drop_path"))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = norm1(x + dropPath(selfAttn(preNorm(x))))
        return y + dropPath(linear2(linear1(y).gelu()))
    }
}

/// The sequence classifier of CCT: learned positional embedding, encoder layers, final
/// norm, SeqPool and a linear classifier (keys under `classifier.`).
public final class CCTClassifier: Module {
    public let attentionPool: Linear
    public let positionalEmb: Tensor
    public let blocks: [CCTEncoderLayer]
    public let norm: LayerNorm
    public let fc: Linear

    override public var keyOverrides: [String: String] {
        ["attentionPool": "attention_pool", "positionalEmb": "positional_emb"]
    }

    init(config: CSiTConfig, classes: Int, rng: inout RNG) {
        let d = config.dim
        attentionPool = Linear(d, 1, rng: &rng)
        positionalEmb = Tensor.truncatedNormal([1, config.tokenCount, d], std: 0.2, rng: &rng)
        let L = config.depth
        blocks = (0..<L).map { i in
            var r = rng.derived("layer", i)
            return CCTEncoderLayer(dim: d, heads: config.heads, mlpRatio: config.mlpRatio,
                                   dropPath: L > 1 ? config.dropPathRate * Float(i) / Float(L - 1) : 0,
                                   attentionDropout: config.attentionDropout, rng: &r)
        }
        norm = LayerNorm(d, eps: 1e-5)
        fc = Linear(d, classes, rng: &rng)
    }
}

/// CCT-14/7x2, the reference Compact Convolutional Transformer (22.36 M parameters with
/// 1000 classes): the same tokenizer as cSiT, post-norm layers, SeqPool head.
public final class CCTModel: Module {
    public let config: CSiTConfig
    public let tokenizer: ConvTokenizer
    public let classifier: CCTClassifier

    public init(config: CSiTConfig, classes: Int, rng: inout RNG) {
        precondition(config.architecture == .cct, "CCTModel builds the CCT architecture")
        self.config = config
        tokenizer = ConvTokenizer(dim: config.dim, midChannels: config.tokenizerChannels, tokenStride: 16, rng: &rng)
        classifier = CCTClassifier(config: config, classes: classes, rng: &rng)
        super.init()
        for (_, t) in namedParameters() { t.requiresGrad = true }
    }

    /// `[B, 3, S, S]` → `[B, C]` logits.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        var x = tokenizer(images) + classifier.positionalEmb
        for layer in classifier.blocks { x = layer(x) }
        x = classifier.norm(x)
        return classifier.fc(seqPool(x, scorer: classifier.attentionPool))
    }

    /// Parameters per part.
    public var summary: ParameterSummary {
        ParameterSummary(self, groups: [
            ("tokenizer", ["tokenizer"]), ("pos_embed", ["classifier.positional_emb"]),
            ("blocks (\(classifier.blocks.count))", ["classifier.blocks"]), ("final norm", ["classifier.norm"]),
            ("attention pool", ["classifier.attention_pool"]), ("classifier head", ["classifier.fc"]),
        ])
    }
}
