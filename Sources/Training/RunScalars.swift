import Foundation
import TensorBoard

/// A run's curves as TensorBoard scalars in `<run>/tb/<label>/`: per step the loss, its parts
/// and the learning rate; per epoch the epoch loss, images/s and the validation metrics.
/// Written by rank 0 only; a failure to write them is reported once and training goes on
/// (the curves are a view of `log.jsonl`, not a result).
final class RunScalars {
    var writer: EventWriter?
    let reporter: ProgressReporter?

    /// - Parameters:
    ///   - startStep: the first global step (counted from 1, as the points are) this session
    ///     logs: TensorBoard drops what an interrupted session logged from there on.
    init(runDir: URL, label: String?, startStep: Int, enabled: Bool, reporter: ProgressReporter?) {
        self.reporter = reporter
        guard enabled else { return }
        let name = label.map { $0.isEmpty ? "run" : $0 } ?? runDir.lastPathComponent
        do {
            writer = try EventWriter(directory: runDir.appendingPathComponent("tb").appendingPathComponent(name), startStep: Int64(startStep))
        } catch {
            reporter?.note("TensorBoard curves not written: \(error)")
        }
    }

    func step(_ step: Int, loss: Double, parts: [String: Double], lr: Double) {
        var s = ["train/loss": loss, "train/lr": lr]
        for (k, v) in parts { s["train/loss_\(k)"] = v }
        write(s, step: step)
    }

    func epoch(_ record: EpochRecord, step: Int) {
        var s = ["epoch/loss": record.loss, "epoch/images_per_second": record.imagesPerSecond]
        for (k, v) in record.validation ?? [:] { s["validation/\(k)"] = v }
        write(s, step: step)
    }

    private func write(_ scalars: [String: Double], step: Int) {
        guard let w = writer else { return }
        do { try w.scalars(scalars, step: Int64(step)) } catch {
            reporter?.note("TensorBoard curves stopped: \(error)")
            writer = nil
        }
    }
}
