import CSiTKit
import Foundation
import NeuralKit
import TensorKit

/// The resumable state of a run at the end of an epoch or after a step inside one, in one
/// safetensors file written atomically: `model.<key>` tensors, `optimizer.<key>.exp_avg|exp_avg_sq`,
/// `optimizer.step`, and the position and best metric as metadata.
///
/// The position is the whole state of every random stream: order, augmentation,
/// corruption, mixing and drop-path are all derived from (seed, stream, epoch, step or
/// sample), so a run resumed at (epoch, step) draws what the uninterrupted run drew.
/// Format 3 adds the mid-epoch position (`step`, the epoch's running loss sums); format 2
/// (epoch ends only) is still read.
public struct Checkpoint {
    /// The epoch (from 0) the state belongs to: finished, or in progress when `inEpoch` is set.
    public var epoch: Int
    public var best: Double?
    /// The `RunIdentity` id of the run that wrote it.
    public var runID: String
    /// Evaluations since the best score (early stopping's counter).
    public var sinceBest = 0
    /// Training ended before its last epoch by early stopping.
    public var stoppedEarly = false
    /// Set for a checkpoint written inside `epoch`: the steps done and the running sums.
    public var inEpoch: EpochProgress?

    public static let format = "csit-checkpoint-3"
    /// Formats `restore` accepts (2: epoch ends only).
    static let readable: Set<String> = ["csit-checkpoint-2", format]

    /// Writes the state after `epoch` or, with `inEpoch`, after `inEpoch.step` steps of it.
    public static func save(model: Module, optimizer: AdamW, epoch: Int, best: Double?, runID: String, sinceBest: Int = 0,
                            stoppedEarly: Bool = false, inEpoch: EpochProgress? = nil, to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (k, t) in model.namedParameters() { tensors["model.\(k)"] = t }
        for (k, t) in optimizer.stateDict() { tensors["optimizer.\(k)"] = t }
        var meta = ["format": format, "epoch": String(epoch), "run_id": runID]
        if let best { meta["best"] = String(best) }
        if sinceBest > 0 { meta["since_best"] = String(sinceBest) }
        if stoppedEarly { meta["stopped_early"] = "true" }
        if let inEpoch { meta.merge(inEpoch.metadata) { _, new in new } }
        try SafeTensors.write(tensors, metadata: meta, to: url)
    }

    /// Restores `model` and `optimizer` from `url` if it exists.
    ///
    /// - Returns: the saved epoch and best metric, or nil when there is no checkpoint.
    /// - Parameters:
    ///   - runID: the id of the run resuming.
    ///   - extending: the id of the same run at its previous length (`csit train --extend`),
    ///     whose checkpoint is accepted too.
    /// - Throws: `TrainingError.incompatibleCheckpoint` if it belongs to another configuration.
    public static func restore(model: Module, optimizer: AdamW, from url: URL, runID: String, extending: String? = nil) throws -> Checkpoint? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let (tensors, meta) = try SafeTensors.read(url)
        guard let f = meta["format"], readable.contains(f), let epoch = meta["epoch"].flatMap(Int.init) else {
            throw TrainingError.incompatibleCheckpoint(url.path, reason: "not a csit training checkpoint")
        }
        guard meta["run_id"] == runID || (extending != nil && meta["run_id"] == extending) else {
            throw TrainingError.incompatibleCheckpoint(url.path, reason: "written by run \(meta["run_id"] ?? "?"), not \(runID) (another configuration or data"
                                                       + (extending == nil ? "; to train a finished run for more epochs, pass --extend" : "") + ")")
        }
        var modelState: [String: Tensor] = [:], optState: [String: Tensor] = [:]
        for (k, t) in tensors {
            if k.hasPrefix("model.") { modelState[String(k.dropFirst(6))] = t }
            else if k.hasPrefix("optimizer.") { optState[String(k.dropFirst(10))] = t }
        }
        let progress: EpochProgress?
        do { progress = try EpochProgress(metadata: meta) } catch {
            throw TrainingError.incompatibleCheckpoint(url.path, reason: "\(error)")
        }
        try model.load(modelState)
        optimizer.load(optState)
        return Checkpoint(epoch: epoch, best: meta["best"].flatMap(Double.init), runID: runID,
                          sinceBest: meta["since_best"].flatMap(Int.init) ?? 0, stoppedEarly: meta["stopped_early"] == "true",
                          inEpoch: progress)
    }
}

/// Why a run stopped.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFinite(epoch: Int, step: Int, loss: String, lastCheckpoint: String?)
    case incompatibleCheckpoint(String, reason: String)
    case tooFewImages(split: String, images: Int, batch: Int)
    /// `--extend` on a folder whose run differs in more than its epochs.
    case cannotExtend(String, reason: String)
    /// A classifier over fewer than two classes (one class folder, or a filter that left one).
    case tooFewClasses(root: String, classes: [String])
    /// Data-parallel ranks hold different parameters (the sums over ranks' parameters
    /// differ): the gradients were not averaged alike.
    case ranksDiverged(epoch: Int, sums: [Double])

    public var description: String {
        switch self {
        case let .nonFinite(e, s, l, c):
            return "loss became \(l) at epoch \(e + 1), step \(s + 1); training stopped. "
                + (c.map { "The last good state is \($0)." } ?? "No epoch had finished, so there is no checkpoint.")
                + " Lower the learning rate or enable clip_grad."
        case let .incompatibleCheckpoint(p, r): return "\(p): cannot resume: \(r)"
        case let .tooFewImages(s, n, b): return "the \(s) split has \(n) images, fewer than one batch of \(b)"
        case let .cannotExtend(p, r): return "\(p): cannot extend: \(r)"
        case let .ranksDiverged(e, sums):
            return "after epoch \(e + 1) the processes hold different parameters (sums \(sums.map { String($0) }.joined(separator: " … "))); "
                + "data-parallel training cannot go on"
        case let .tooFewClasses(r, cs):
            return "\(r): the training split has images of \(cs.count) class\(cs.count == 1 ? "" : "es")"
                + "\(cs.isEmpty ? "" : " (" + cs.joined(separator: ", ") + ")"); a classifier needs two or more"
        }
    }
}
