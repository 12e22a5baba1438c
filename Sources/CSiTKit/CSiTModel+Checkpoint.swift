import Foundation
import NeuralKit
import TensorKit

/// What `loadPretrained` did with each checkpoint tensor.
public struct LoadReport: Equatable, Sendable {
    /// Copied as they were.
    public var loaded: [String] = []
    /// Head tensors of another shape (another class count or R): kept at initialisation.
    public var droppedHeads: [String] = []
    /// Positional embeddings resized bicubically to this model's grid.
    public var resized: [String] = []
    /// Checkpoint tensors this model has no parameter for (SSL-only heads, `last_fc`, …).
    public var ignored: [String] = []
    /// Model parameters the checkpoint lacks that may start fresh (heads, R layers, loss scalars).
    public var freshlyInitialised: [String] = []
}

/// Errors loading a checkpoint into a model.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missingBackbone(key: String, file: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int], file: String)

    public var description: String {
        switch self {
        case let .missingBackbone(k, f): return "\(f): checkpoint has no tensor '\(k)', which the backbone needs"
        case let .shapeMismatch(k, e, found, f):
            return "\(f): tensor '\(k)' has shape \(found); this model needs \(e) (check --preset, --image-size and --token-stride)"
        }
    }
}

extension CSiTModel {
    /// Key prefixes of parameters that may start fresh when a checkpoint lacks them or
    /// has them in another shape.
    static let headPrefixes = ["rot_head", "contrastive_head", "pre_logits_rot", "pre_logits_contrastive",
                               "attention_pool", "convTrans", "rot_w", "contrastive_w", "recons_w"]

    static func isHead(_ key: String) -> Bool {
        headPrefixes.contains { key == $0 || key.hasPrefix($0 + ".") }
    }

    /// Loads a pretrained (e.g. SSL) checkpoint for fine-tuning or evaluation: backbone
    /// tensors must be present and fit; heads of another shape are dropped; SSL-only
    /// tensors are ignored; a positional embedding for another grid is resized bicubically
    /// (the two special rows kept).
    ///
    /// - Parameters:
    ///   - state: tensors by PyTorch key.
    ///   - source: the file name, for error messages.
    /// - Returns: what happened to each tensor.
    /// - Throws: `CheckpointError` for a missing or mis-shaped backbone tensor.
    @discardableResult
    public func loadPretrained(_ state: [String: Tensor], source: String = "checkpoint") throws -> LoadReport {
        var report = LoadReport()
        let params = namedParameters()
        for (key, t) in params {
            guard var src = state[key] else {
                if Self.isHead(key) { report.freshlyInitialised.append(key); continue }
                throw CheckpointError.missingBackbone(key: key, file: source)
            }
            if src.shape != t.shape {
                if key == "pos_embed", src.rank == 3, src.shape[2] == t.shape[2],
                   let resized = Self.resizePositionalEmbedding(src, toGrid: config.gridSize) {
                    src = resized
                    report.resized.append(key)
                } else if Self.isHead(key) {
                    report.droppedHeads.append(key)
                    continue
                } else {
                    throw CheckpointError.shapeMismatch(key: key, expected: t.shape, found: src.shape, file: source)
                }
            }
            t.assign(src)
            report.loaded.append(key)
        }
        let known = Set(params.map(\.key))
        report.ignored = state.keys.filter { !known.contains($0) }.sorted()
        return report
    }

    /// `[1, 2 + n², d]` → `[1, 2 + m², d]`: the grid part resized bicubically, special rows kept.
    /// Returns nil when the input grid is not square.
    public static func resizePositionalEmbedding(_ pe: Tensor, toGrid m: Int) -> Tensor? {
        let (rows, d) = (pe.shape[1], pe.shape[2])
        let n = Int(Double(rows - 2).squareRoot().rounded())
        guard n * n == rows - 2, n > 0 else { return nil }
        return withoutGrad {
            let special = pe.narrow(axis: 1, start: 0, length: 2)
            let grid = pe.narrow(axis: 1, start: 2, length: n * n).reshaped([n, n, d]).permuted([2, 0, 1])
            let resized = grid.resizedBicubic(height: m, width: m).permuted([1, 2, 0]).reshaped([1, m * m, d])
            return Tensor.concat([special, resized], axis: 1)
        }
    }

    /// Loads a safetensors checkpoint with `loadPretrained`'s rules.
    public func loadPretrained(contentsOf url: URL) throws -> LoadReport {
        try loadPretrained(SafeTensors.read(url).tensors, source: url.path)
    }
}
