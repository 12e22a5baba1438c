import Foundation
import NeuralKit
import TensorKit

/// Batched inference with a fine-tuned model: eval mode, no gradients, probabilities =
/// softmax of the averaged logits.
public struct Predictor {
    public let model: CSiTModel
    /// Class names in label order (the card's; `0`, `1`, … for a checkpoint without one).
    public let classes: [String]
    /// The checkpoint's card, nil for a checkpoint written before cards existed.
    public let card: ModelCard?

    /// Wraps a model built in fine-tune mode.
    public init(model: CSiTModel, classes: [String]? = nil) {
        guard case .finetune(let n) = model.mode else { preconditionFailure("Predictor needs a fine-tune model") }
        self.model = model
        self.classes = classes ?? (0..<n).map(String.init)
        self.card = nil
    }

    /// Loads a fine-tuned checkpoint; its heads must fit `classes`.
    ///
    /// - Throws: `CheckpointError` for missing or mis-shaped tensors, or heads of another shape.
    public init(config: CSiTConfig, classes: Int, checkpoint url: URL) throws {
        try self.init(checkpoint: url, request: ModelRequest(preset: config.preset, imageSize: config.imageSize,
                                                             tokenStride: config.tokenStride,
                                                             representationSize: config.representationSize, classes: classes,
                                                             resizePositions: true), legacyConfig: config)
    }

    /// Loads a checkpoint as its card describes it; flags in `request` must agree with the
    /// card. A checkpoint without a card is built from the request (`classes` required).
    ///
    /// - Throws: `ModelCardError` for a contradicting flag, an SSL checkpoint or a missing
    ///   class count; `CheckpointError` for missing or mis-shaped tensors, heads of another
    ///   shape, or a positional embedding of another grid without `resizePositions`.
    public init(checkpoint url: URL, request: ModelRequest, legacyConfig: CSiTConfig? = nil) throws {
        let (state, metadata) = try SafeTensors.read(url)
        let card = try ModelCard(metadata: metadata, file: url.path)
        let config: CSiTConfig, names: [String]
        if let card {
            guard case .finetune = card.mode else {
                throw ModelCardError.wrongHeads(file: url.path, found: "SSL pretraining",
                                                needed: "prediction needs a fine-tuned (ft, le, mlp or ssl-ft) checkpoint")
            }
            config = try card.configuration(for: request, file: url.path)
            names = card.classes
        } else {
            if metadata["format"]?.hasPrefix("csit-checkpoint") == true {
                throw ModelCardError.wrongHeads(file: url.path, found: "training-state (resume)",
                                                needed: "use the run's model.safetensors or best.safetensors")
            }
            guard let n = request.classes ?? request.legacyClasses else {
                throw ModelCardError.legacy(file: url.path)
            }
            config = try legacyConfig ?? request.legacyConfig()
            names = (0..<n).map(String.init)
        }
        var rng = RNG(seed: 0)
        let m = CSiTModel(config: config, mode: .finetune(classes: names.count), rng: &rng)
        let report = try m.loadPretrained(state, source: url.path)
        if let head = (report.droppedHeads + report.freshlyInitialised).first(where: { !$0.hasPrefix("rot_w") }) {
            throw CheckpointError.shapeMismatch(key: head, expected: m.namedParameters().first { $0.key == head }!.tensor.shape,
                                               found: state[head]?.shape ?? [], file: url.path)
        }
        // Tensors the model has no place for mean the configuration is not the one trained
        // (a card saying depth 2 over 4 blocks predicted silently with half the network).
        let unused = report.ignored.filter { !$0.hasPrefix("last_fc.") }
        if !unused.isEmpty {
            throw ModelCardError.bad(file: url.path, key: card == nil ? "--preset/--depth/--dim" : "config",
                                     value: "\(config.preset), depth \(config.depth), width \(config.dim)",
                                     expected: "the architecture of the tensors (unused: \(unused.prefix(4).joined(separator: ", "))\(unused.count > 4 ? ", …" : ""))")
        }
        if !report.resized.isEmpty && !request.resizePositions {
            throw CheckpointError.shapeMismatch(key: "pos_embed", expected: m.namedParameters().first { $0.key == "pos_embed" }!.tensor.shape,
                                               found: state["pos_embed"]?.shape ?? [], file: url.path)
        }
        self.model = m
        self.classes = names
        self.card = card
    }

    /// Class probabilities `[B, C]` for normalised images `[B, 3, S, S]`.
    public func probabilities(_ images: Tensor) -> Tensor {
        model.eval()
        return withoutGrad { model.classify(images).logits.softmax() }
    }
}
