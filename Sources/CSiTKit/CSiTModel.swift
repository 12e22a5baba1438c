import NeuralKit
import TensorKit

/// cSiT: a CCT tokenizer, rotation and contrastive tokens, a pre-norm ViT encoder, and
/// either the three SSL heads or two classification heads whose logits are averaged.
///
/// Parameter keys are the published state-dict names (method.md §1.3), so converted
/// PyTorch checkpoints load as they are.
public final class CSiTModel: Module {
    /// What the heads produce.
    public enum Mode: Equatable, Sendable, Codable {
        /// Rotation (4), contrastive projection (512) and reconstruction heads.
        case ssl
        /// Two classification heads over `classes`.
        case finetune(classes: Int)
    }

    public static let rotations = 4
    public static let contrastiveDim = 512

    public let config: CSiTConfig
    public let mode: Mode

    public let patchEmbed: ConvTokenizer
    public let rotToken: Tensor
    public let contrastiveToken: Tensor
    public let posEmbed: Tensor
    public let blocks: [EncoderBlock]
    public let norm: LayerNorm
    public let attentionPool: Linear?
    public let preLogitsRot: PreLogits?
    public let preLogitsContrastive: PreLogits?
    public let rotHead: Linear
    public let contrastiveHead: Linear
    public let convTrans: PatchConvTranspose2d?
    public let rotW: Tensor?
    public let contrastiveW: Tensor?
    public let reconsW: Tensor?

    override public var keyOverrides: [String: String] {
        ["patchEmbed": "patch_embed", "rotToken": "rot_token", "contrastiveToken": "contrastive_token",
         "posEmbed": "pos_embed", "attentionPool": "attention_pool", "preLogitsRot": "pre_logits_rot",
         "preLogitsContrastive": "pre_logits_contrastive", "rotHead": "rot_head",
         "contrastiveHead": "contrastive_head", "rotW": "rot_w", "contrastiveW": "contrastive_w",
         "reconsW": "recons_w"]
    }

    /// Builds and initialises a model (trunc-normal 0.02 for linears, tokens and the
    /// positional embedding; Kaiming normal for convolutions; PyTorch's default for the
    /// transposed convolution; loss scalars 1).
    ///
    /// - Parameters:
    ///   - config: a cSiT configuration (`architecture == .csit`; see `CCTModel` for CCT).
    ///   - rng: the initialisation stream.
    public init(config: CSiTConfig, mode: Mode, rng: inout RNG) {
        precondition(config.architecture == .csit, "CSiTModel builds cSiT; use CCTModel for \(config.preset)")
        self.config = config
        self.mode = mode
        let d = config.dim
        patchEmbed = ConvTokenizer(dim: d, midChannels: config.tokenizerChannels, tokenStride: config.tokenStride, rng: &rng)
        rotToken = Tensor.truncatedNormal([1, 1, d], std: 0.02, rng: &rng)
        contrastiveToken = Tensor.truncatedNormal([1, 1, d], std: 0.02, rng: &rng)
        posEmbed = Tensor.truncatedNormal([1, config.tokenCount + 2, d], std: 0.02, rng: &rng)
        let L = config.depth
        blocks = (0..<L).map { i in
            let rate = L > 1 ? config.dropPathRate * Float(i) / Float(L - 1) : 0
            var blockRNG = rng.derived("block", i)
            return EncoderBlock(dim: d, heads: config.heads, mlpRatio: config.mlpRatio, dropPath: rate,
                                attentionDropout: config.attentionDropout, rng: &blockRNG)
        }
        norm = LayerNorm(d, eps: 1e-6)
        attentionPool = config.pooling == .seqPool ? Linear(d, 1, rng: &rng) : nil
        let headIn = config.representationSize ?? d
        if let r = config.representationSize {
            preLogitsRot = PreLogits(dim: d, representationSize: r, rng: &rng)
            preLogitsContrastive = PreLogits(dim: d, representationSize: r, rng: &rng)
        } else {
            preLogitsRot = nil
            preLogitsContrastive = nil
        }
        switch mode {
        case .ssl:
            rotHead = Linear(headIn, Self.rotations, rng: &rng)
            contrastiveHead = Linear(headIn, Self.contrastiveDim, rng: &rng)
            convTrans = PatchConvTranspose2d(d, 3, patch: config.tokenStride, rng: &rng)
            rotW = Tensor(repeating: 1, shape: [1])
            contrastiveW = Tensor(repeating: 1, shape: [1])
            reconsW = Tensor(repeating: 1, shape: [1])
        case .finetune(let classes):
            rotHead = Linear(headIn, classes, rng: &rng)
            contrastiveHead = Linear(headIn, classes, rng: &rng)
            convTrans = nil
            rotW = nil; contrastiveW = nil; reconsW = nil
        }
        super.init()
        for (_, t) in namedParameters() { t.requiresGrad = true }
    }

    /// Runs the backbone: `[B, 3, S, S]` → `[B, N + 2, d]` after the final norm.
    ///
    /// - Parameter capture: called with `tokens`, `block0` and `final` activations (tests).
    public func features(_ images: Tensor, capture: ((String, Tensor) -> Void)? = nil) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3 && images.shape[2] == config.imageSize
                     && images.shape[3] == config.imageSize,
                     "model expects [B, 3, \(config.imageSize), \(config.imageSize)], got \(images.shape)")
        let tokens = patchEmbed(images)
        capture?("tokens", tokens)
        let (B, d) = (tokens.shape[0], config.dim)
        var x = Tensor.concat([rotToken.broadcast(to: [B, 1, d]), contrastiveToken.broadcast(to: [B, 1, d]), tokens],
                              axis: 1)
        x = x + posEmbed
        for (i, block) in blocks.enumerated() {
            x = block(x)
            if i == 0 { capture?("block0", x) }
        }
        let out = norm(x)
        capture?("final", out)
        return out
    }

    /// The inputs of the rotation and contrastive heads: tokens 0 and 1 (or the
    /// SeqPool summary for both), through the representation layers when present.
    func headInputs(_ x: Tensor) -> (rotation: Tensor, contrastive: Tensor) {
        let (B, d) = (x.shape[0], x.shape[2])
        var r: Tensor, c: Tensor
        if let attentionPool {
            r = seqPool(x, scorer: attentionPool)
            c = r
        } else {
            r = x.narrow(axis: 1, start: 0, length: 1).reshaped([B, d])
            c = x.narrow(axis: 1, start: 1, length: 1).reshaped([B, d])
        }
        if let preLogitsRot, let preLogitsContrastive { r = preLogitsRot(r); c = preLogitsContrastive(c) }
        return (r, c)
    }

    /// The three SSL outputs for `[B, 3, S, S]` corrupted views.
    public func ssl(_ images: Tensor, capture: ((String, Tensor) -> Void)? = nil) -> SSLOutput {
        guard let convTrans else { preconditionFailure("ssl() needs a model built in .ssl mode") }
        let x = features(images, capture: capture)
        let (r, c) = headInputs(x)
        let n = config.tokenCount
        let patches = x.narrow(axis: 1, start: 2, length: n)
        let recon = convTrans(patches, gridHeight: config.gridSize, gridWidth: config.gridSize)
        return SSLOutput(rotation: rotHead(r), contrastive: contrastiveHead(c), reconstruction: recon)
    }

    /// The two heads' logits and their mean (the prediction), `[B, C]` each.
    public func classify(_ images: Tensor) -> ClassifierOutput {
        let x = features(images)
        let (r, c) = headInputs(x)
        let rl = rotHead(r), cl = contrastiveHead(c)
        return ClassifierOutput(rotation: rl, contrastive: cl, logits: (rl + cl) * 0.5)
    }

    /// Sets pinned drop-path keep masks per block (`[block][0 = attention, 1 = MLP][sample]`),
    /// or clears them with nil.
    public func pinDropPath(_ masks: [[[Float]]]?) {
        for (i, block) in blocks.enumerated() {
            block._pinnedMasks = masks.map { ($0[i][0], $0[i][1]) }
        }
    }
}

/// Outputs of an SSL forward pass.
public struct SSLOutput {
    /// `[B, 4]` rotation logits.
    public var rotation: Tensor
    /// `[B, 512]` contrastive projection.
    public var contrastive: Tensor
    /// `[B, 3, S, S]` reconstruction.
    public var reconstruction: Tensor
}

/// Outputs of a classification forward pass.
public struct ClassifierOutput {
    /// `[B, C]` logits of the rotation-token head.
    public var rotation: Tensor
    /// `[B, C]` logits of the contrastive-token head.
    public var contrastive: Tensor
    /// `[B, C]` mean of the two: the prediction.
    public var logits: Tensor
}

extension CSiTModel {
    /// Gives every drop-path and dropout layer a fresh stream derived from `rng`, so a
    /// step's stochastic depth depends only on the step, not on what ran before (resumed
    /// runs then match uninterrupted ones).
    ///
    /// - Parameter rows: the rows of the global batch this process holds (data parallelism):
    ///   the layers then drop what one process holding the whole batch would.
    public func reseedStochasticLayers(_ rng: RNG, rows: RowSelection? = nil) {
        var i = 0
        for m in descendants() {
            if let d = m as? DropPath { (d._rng, d.rows) = (rng.derived("drop_path", i), rows); i += 1 }
            else if let d = m as? Dropout { (d._rng, d.rows) = (rng.derived("dropout", i), rows); i += 1 }
        }
    }
}

extension CSiTModel {
    /// Freezes the backbone (tokenizer, tokens, positional embedding, blocks, norm) and
    /// leaves the heads and their representation layers trainable: the frozen-probe
    /// protocols (linear and MLP evaluation).
    public func freezeBackbone() {
        freeze()
        for m in [rotHead, contrastiveHead] as [Module] { m.unfreeze() }
        for m in [preLogitsRot, preLogitsContrastive].compactMap({ $0 }) { m.unfreeze() }
    }
}
