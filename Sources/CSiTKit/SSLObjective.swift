import NeuralKit
import TensorKit

/// The cSiT pretext losses and their combination (method.md §2): the published
/// uncertainty weighting of all three, or any non-empty subset of the tasks, weighted by
/// uncertainty or summed with weight 1 (the pretext-task ablation).
public enum SSLObjective {
    /// NT-Xent temperature.
    public static let temperature: Float = 0.5

    /// The enabled tasks' losses (nil for a task turned off: never computed) and the
    /// weighted total, all scalars.
    public struct Losses {
        public var rotation: Tensor?
        public var contrastive: Tensor?
        public var reconstruction: Tensor?
        public var total: Tensor

        /// The enabled parts by their log names (`rot`, `con`, `rec`).
        public var parts: [String: Double] {
            var p: [String: Double] = [:]
            if let rotation { p["rot"] = Double(rotation.item) }
            if let contrastive { p["con"] = Double(contrastive.item) }
            if let reconstruction { p["rec"] = Double(reconstruction.item) }
            return p
        }
    }

    /// Gathers the normalised projections of every data-parallel rank: returns all of them
    /// (`[N, D]`, blocks in rank order, each `[view 1, view 2]` of that rank's images) and
    /// where this rank's rows start; differentiable.
    public typealias RowGather = (Tensor) -> (all: Tensor, offset: Int)

    /// SimCLR's NT-Xent over `[2B, D]` projections ordered [view 1 of images 0..B−1,
    /// view 2 of images 0..B−1]: cosine similarities / τ, positive of row i is row i ± B,
    /// the denominator sums over every k ≠ i; mean over the 2B anchors.
    ///
    /// - Parameter gather: for data parallelism: `z` holds this rank's `[2b, D]` and the
    ///   candidates are every rank's projections; the mean over ranks of this loss is the
    ///   one-process loss of the global batch.
    public static func ntXent(_ z: Tensor, temperature: Float = temperature, gather: RowGather? = nil) -> Tensor {
        let n = z.shape[0]
        precondition(n % 2 == 0, "NT-Xent needs an even number of rows, got \(n)")
        let zn = z.l2Normalized()
        let (candidates, offset) = gather?(zn) ?? (zn, 0)
        let total = candidates.shape[0]
        let sim = Tensor.matmul(zn, candidates, transposeB: true) * (1 / temperature)
        let diagonal = Tensor(zeros: [n, total])
        diagonal.withUnsafeMutableBufferPointer { d in for i in 0..<n { d[i * total + offset + i] = -.infinity } }
        let targets = (0..<n).map { offset + ($0 + n / 2) % n }
        return (sim + diagonal).crossEntropy(labels: targets)
    }

    /// The SSL losses for one batch of 2B corrupted views.
    ///
    /// A task that is not in `tasks` is not computed: it adds no term, its scalar gets no
    /// gradient, and its head gets none from the loss.
    /// - Parameters:
    ///   - output: the model's SSL outputs.
    ///   - rotationLabels: k per view (0…3).
    ///   - clean: `[2B, 3, S, S]` rotated, uncorrupted views (the reconstruction target).
    ///   - weights: the learned scalars `(s_rot, s_con, s_rec)`, each `[1]`.
    ///   - tasks: the enabled pretext tasks (default: all three, as published).
    ///   - weighting: uncertainty (published) or equal weights.
    ///   - gather: the contrastive loss's gather across data-parallel ranks (nil: one process).
    public static func losses(_ output: SSLOutput, rotationLabels: [Int], clean: Tensor,
                              weights: (rotation: Tensor, contrastive: Tensor, reconstruction: Tensor),
                              tasks: SSLTaskSet = .all, weighting: SSLLossWeighting = .uncertainty,
                              gather: RowGather? = nil) -> Losses {
        let lRot = tasks.contains(.rotation) ? output.rotation.crossEntropy(labels: rotationLabels) : nil
        let lCon = tasks.contains(.contrastive) ? ntXent(output.contrastive, gather: gather) : nil
        let lRec = tasks.contains(.reconstruction) ? output.reconstruction.l1Loss(clean) : nil
        // Uncertainty: L = e^(−s_rot)·L_rot + ½s_rot + e^(−s_con)·L_con + ½s_con + e^(−½s_rec)·L_rec + ½s_rec,
        // each pair of terms only for an enabled task. Equal: L = Σ L_task.
        var terms: [Tensor] = []
        switch weighting {
        case .uncertainty:
            if let lRot { terms.append((-weights.rotation).exp() * lRot + weights.rotation * 0.5) }
            if let lCon { terms.append((-weights.contrastive).exp() * lCon + weights.contrastive * 0.5) }
            if let lRec { terms.append((weights.reconstruction * -0.5).exp() * lRec + weights.reconstruction * 0.5) }
        case .equal:
            terms = [lRot, lCon, lRec].compactMap { $0 }
        }
        // SSLTaskSet is never empty, so there is always a first term.
        let total = terms.dropFirst().reduce(terms[0], +)
        return Losses(rotation: lRot, contrastive: lCon, reconstruction: lRec, total: total.reshaped([]))
    }

    /// The fine-tuning loss: the sum of the two heads' cross-entropies.
    public static func finetuneLoss(_ output: ClassifierOutput, labels: [Int], labelSmoothing: Float = 0.1) -> Tensor {
        output.rotation.crossEntropy(labels: labels, labelSmoothing: labelSmoothing)
            + output.contrastive.crossEntropy(labels: labels, labelSmoothing: labelSmoothing)
    }

    /// The same with soft targets (mixup / cutmix), `[B, C]`.
    public static func finetuneLoss(_ output: ClassifierOutput, softTargets: Tensor) -> Tensor {
        output.rotation.crossEntropy(softTargets: softTargets) + output.contrastive.crossEntropy(softTargets: softTargets)
    }
}

extension CSiTModel {
    /// The SSL losses of this model's outputs (uses its loss scalars) over the enabled tasks.
    public func sslLosses(_ output: SSLOutput, rotationLabels: [Int], clean: Tensor,
                          tasks: SSLTaskSet = .all, weighting: SSLLossWeighting = .uncertainty,
                          gather: SSLObjective.RowGather? = nil) -> SSLObjective.Losses {
        guard let rotW, let contrastiveW, let reconsW else { preconditionFailure("sslLosses needs an SSL-mode model") }
        return SSLObjective.losses(output, rotationLabels: rotationLabels, clean: clean,
                                   weights: (rotW, contrastiveW, reconsW), tasks: tasks, weighting: weighting, gather: gather)
    }

    /// AdamW parameter groups: no decay on 1-D tensors, biases, `pos_embed`, the special
    /// tokens and the loss scalars; frozen parameters left out.
    public func parameterGroups(weightDecay: Float) -> [ParameterGroup] {
        ParameterGroup.decaySplit(namedParameters(), weightDecay: weightDecay,
                                  noDecayKeys: ["pos_embed", "rot_token", "contrastive_token",
                                                "rot_w", "contrastive_w", "recons_w"])
    }
}
