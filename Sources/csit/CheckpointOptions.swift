import ArgumentParser
import CSiTKit
import Foundation
import Training

/// A checkpoint to use, and optional geometry flags that must agree with its model card.
///
/// A checkpoint written by csit (or converted by `tools/convert_pth.py`) describes itself:
/// `--checkpoint` alone is enough. The other flags exist for checkpoints written before model
/// cards, and as a check: one that contradicts the card is an error naming both values.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "A .safetensors checkpoint, or a run folder (its model.safetensors).")
    var checkpoint: String

    @Option(help: "Preset (only for checkpoints without model metadata; otherwise must agree).")
    var preset: String?

    @Option(help: "Input side S in pixels (default: the checkpoint's).")
    var imageSize: Int?

    @Option(help: "Token stride (default: the checkpoint's).")
    var tokenStride: Int?

    @Option(help: "Representation size R (only for checkpoints without model metadata).")
    var representationSize: Int?

    @Option(help: "Width d (only for checkpoints without model metadata).") var dim: Int?
    @Option(help: "Depth L (only for checkpoints without model metadata).") var depth: Int?
    @Option(help: "Attention heads (only for checkpoints without model metadata).") var heads: Int?
    @Option(help: "MLP ratio (only for checkpoints without model metadata).") var mlpRatio: Int?

    @Flag(help: "Allow another --image-size or --token-stride than the checkpoint's (the positional embedding is resized).")
    var resizePositions = false

    /// The checkpoint file: the argument, or a run folder's model.safetensors.
    func url() throws -> URL {
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw ValidationError("--checkpoint \(checkpoint): no such file or folder")
        }
        let file = RunIdentity.checkpointFile(checkpoint)
        guard FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("--checkpoint \(checkpoint): a folder without model.safetensors (is the run finished?)")
        }
        return URL(fileURLWithPath: file)
    }

    /// Loads the predictor, checking the flags against the card.
    ///
    /// - Parameter classes: the class count the caller needs (a dataset's), if it knows one.
    ///   - legacyClasses: a class count for a checkpoint without a card, not checked against one.
    func predictor(classes: Int?, legacyClasses: Int? = nil) throws -> Predictor {
        var request = ModelRequest(preset: preset, imageSize: imageSize, tokenStride: tokenStride,
                                   representationSize: representationSize, classes: classes, resizePositions: resizePositions)
        (request.dim, request.depth, request.heads, request.mlpRatio) = (dim, depth, heads, mlpRatio)
        request.legacyClasses = legacyClasses
        do {
            return try Predictor(checkpoint: try url(), request: request)
        } catch let e as ModelCardError {
            throw ValidationError(e.description)
        } catch let e as ModelConfigError {
            throw ValidationError(e.description)
        } catch let e as CheckpointError {
            if case .shapeMismatch(key: "pos_embed", _, _, _) = e, !resizePositions {
                throw ValidationError("\(e.description); pass --resize-positions to resize the positional embedding on purpose")
            }
            throw ValidationError(e.description)
        }
    }
}
