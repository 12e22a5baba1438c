import Evaluation
import Experiments
import Foundation
import Training

/// Everything the report shows of one run folder, read once.
public struct RunRecord {
    public var id: String
    /// The run's row of `csit runs` (labels, state, varying settings, metrics).
    public var row: RunListing.Row
    public var config: RunConfig
    public var metrics: ClassificationMetrics?
    /// The per-epoch records of `log.jsonl`.
    public var epochs: [EpochRecord]
    /// The test predictions (for the ROC curves), when `predictions.csv` reads.
    public var predictions: PredictionsFile?
    /// The files of the run folder, sorted (links on the run page).
    public var files: [String]

    /// Reads run `id` of `store`; `row` is its row of the listing.
    static func load(_ row: RunListing.Row, store: RunStore) -> RunRecord? {
        guard let config = store.config(row.id) else { return nil }
        let dir = store.dir(row.id)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { !$0.hasPrefix(".") && !$0.contains(".tmp-") && $0 != "lock" }.sorted()
        return RunRecord(id: row.id, row: row, config: config, metrics: store.metrics(row.id),
                         epochs: TrainingLog(url: dir.appendingPathComponent("log.jsonl"), keepingThrough: Int.max).records,
                         predictions: try? PredictionsFile(contentsOf: dir.appendingPathComponent("predictions.csv")),
                         files: files)
    }

    /// A cell of the run's row as text (`–` when absent).
    func text(_ column: String) -> String? {
        row.cells[column].map(RunListing.raw)
    }

    /// What tells the run apart in a few words: mode, fold, zoom, label fraction, seed (when
    /// the runs have several), sweep point; set by `ReportSite.load`.
    public internal(set) var label = ""

    /// The label's parts by key: mode, fold, zoom, label fraction, seed, the sweep point with
    /// each key cut to its last part (`train.ft.lr=1.0e-3` → `lr=1.0e-3`).
    var labelParts: [(key: String, text: String)] {
        var p: [(key: String, text: String)] = [("mode", text("mode") ?? "")]
        if let f = text("fold") { p.append(("fold", "fold \(f)")) }
        if let z = text("zoom") { p.append(("zoom", z)) }
        if let lf = text("label_fraction") { p.append(("label_fraction", "\(lf) labels")) }
        if let s = text("seed") { p.append(("seed", "seed \(s)")) }
        if let s = text("sweep") {
            p.append(("sweep", s.split(separator: ",").map { piece -> String in
                let t = piece.trimmingCharacters(in: .whitespaces)
                guard let eq = t.firstIndex(of: "="), let key = t[..<eq].split(separator: ".").last else { return t }
                return String(key) + t[eq...]
            }.joined(separator: ", ")))
        }
        return p
    }

    /// The run's page, relative to `report/`.
    public var page: String { "runs/\(id).html" }

    /// The run's state (done, failed, …).
    public var state: String { text("state") ?? "unknown" }

    /// Whether the run pretrains (SSL): loss parts and reconstructions, no test metrics.
    public var isSSL: Bool { config.mode == .ssl }

    /// The reconstruction grids per epoch (`reconstruction_epoch001.png` …), in epoch order.
    public var reconstructions: [String] { files.filter { $0.hasPrefix("reconstruction_epoch") && $0.hasSuffix(".png") } }
}
