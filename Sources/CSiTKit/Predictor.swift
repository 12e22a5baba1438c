import Foundation
import NeuralKit
import TensorKit

/// Batched inference with a fine-tuned model: eval mode, no gradients, probabilities =
/// softmax of the averaged logits.
public struct Predictor {
    public let model: CSiTModel

    /// Wraps a model built in fine-tune mode.
    public init(model: CSiTModel) {
        guard case .finetune = model.mode else { preconditionFailure("Predictor needs a fine-tune model") }
        self.model = model
    }

    /// Loads a fine-tuned checkpoint; its heads must fit `classes`.
    ///
    /// - Throws: `CheckpointError` for missing or mis-shaped tensors, or heads of another shape.
    public init(config: CSiTConfig, classes: Int, checkpoint url: URL) throws {
        var rng = RNG(seed: 0)
        let m = CSiTModel(config: config, mode: .finetune(classes: classes), rng: &rng)
        let report = try m.loadPretrained(contentsOf: url)
        if let head = (report.droppedHeads + report.freshlyInitialised).first(where: { !$0.hasPrefix("rot_w") }) {
            let found = try SafeTensors.read(url).tensors[head]?.shape
            throw CheckpointError.shapeMismatch(key: head, expected: m.namedParameters().first { $0.key == head }!.tensor.shape,
                                               found: found ?? [], file: url.path)
        }
        self.init(model: m)
    }

    /// Class probabilities `[B, C]` for normalised images `[B, 3, S, S]`.
    public func probabilities(_ images: Tensor) -> Tensor {
        model.eval()
        return withoutGrad { model.classify(images).logits.softmax() }
    }
}
