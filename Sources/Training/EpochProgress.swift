import Foundation

/// Where an epoch stands after some of its steps: what a mid-epoch checkpoint stores so the
/// resumed epoch's `log.jsonl` record equals the uninterrupted one's (the loss is the mean
/// of per-step losses summed in step order; the sums are stored exactly).
public struct EpochProgress: Equatable, Sendable {
    /// Steps of the epoch done (the next step to run).
    public var step = 0
    /// Sum of the per-step losses so far, in step order.
    public var lossSum = 0.0
    /// Sums of the named loss parts (SSL: rot, con, rec).
    public var parts: [String: Double] = [:]
    /// Training seconds spent on the epoch before this process (for the record's timing only).
    public var seconds = 0.0

    public init(step: Int = 0, lossSum: Double = 0, parts: [String: Double] = [:], seconds: Double = 0) {
        (self.step, self.lossSum, self.parts, self.seconds) = (step, lossSum, parts, seconds)
    }

    /// The checkpoint metadata: `step`, `loss_sum`, `loss_parts` (JSON) and `epoch_seconds`.
    /// Doubles are written in Swift's shortest round-tripping form, so they read back bit for bit.
    var metadata: [String: String] {
        let parts = "{" + self.parts.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value.description)\"" }.joined(separator: ",") + "}"
        return ["step": String(step), "loss_sum": lossSum.description, "loss_parts": parts, "epoch_seconds": seconds.description]
    }

    /// The progress in checkpoint metadata, nil for an epoch-end checkpoint (no `step`).
    ///
    /// - Throws: `EpochProgress.Unreadable` when a field is missing or not a number.
    init?(metadata meta: [String: String]) throws {
        guard let stepText = meta["step"] else { return nil }
        guard let step = Int(stepText), step >= 0 else { throw Unreadable(field: "step", value: stepText) }
        guard let sumText = meta["loss_sum"], let sum = Double(sumText) else { throw Unreadable(field: "loss_sum", value: meta["loss_sum"] ?? "none") }
        var parts: [String: Double] = [:]
        let partsText = meta["loss_parts"] ?? "{}"
        guard let object = try? JSONSerialization.jsonObject(with: Data(partsText.utf8)) as? [String: String] else {
            throw Unreadable(field: "loss_parts", value: partsText)
        }
        for (k, v) in object {
            guard let d = Double(v) else { throw Unreadable(field: "loss_parts.\(k)", value: v) }
            parts[k] = d
        }
        self.init(step: step, lossSum: sum, parts: parts, seconds: meta["epoch_seconds"].flatMap(Double.init) ?? 0)
    }

    /// A mid-epoch field that does not read back.
    struct Unreadable: Error, CustomStringConvertible {
        var field: String
        var value: String
        var description: String { "its mid-epoch \(field) is '\(value)', not a number" }
    }
}
