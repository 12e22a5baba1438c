import Evaluation
import Foundation
import Training

/// One row per run with what tells runs apart (labels, the configuration values that vary),
/// its state, its numbers (test metrics, best validation metrics, wall time, images/s): what
/// `csit runs` filters, sorts and prints.
public struct RunListing: Sendable {
    /// A cell: text, or a number (sorted and filtered as a number).
    public enum Cell: Sendable, Hashable {
        case text(String)
        case number(Double)
    }

    /// One run: its id and its cells by column name.
    public struct Row: Sendable {
        public var id: String
        /// Column name → value; absent where the run has none.
        public var cells: [String: Cell]
    }

    public var rows: [Row]
    /// Every configuration key of the runs (each row has them as columns).
    var settingKeys: [String]

    /// Configuration keys whose values differ between the listed runs (data paths, folds,
    /// seeds and modes are label columns or say nothing).
    public var varyingKeys: [String] {
        settingKeys.filter { k in
            Set(rows.map { $0.cells[k] }).count > 1 && !["root", "test_root", "fold", "seed", "mode"].contains(k)
        }
    }

    /// The label columns, in order.
    public static let labelColumns = ["id", "mode", "fold", "zoom", "label_fraction", "seed", "sweep", "state"]
    /// The number columns after the metrics.
    public static let timeColumns = ["wall_seconds", "images_per_second"]

    /// The runs of a plan (not started ones included), from its store.
    public static func load(plan: Plan, store: RunStore) -> RunListing {
        make(plan.runs.map { ($0.id, RunLabel.shared($0.labels), $0.config) }, store: store)
    }

    /// The run folders of a results folder (labels from each run's `spec-entries.json`).
    ///
    /// - Throws: `RunnerError.unknownRun` when the folder holds no runs.
    public static func load(store: RunStore) throws -> RunListing {
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("runs").path)) ?? [])
            .filter { store.config($0) != nil }.sorted()
        guard !ids.isEmpty else { throw RunnerError.unknownRun("\(store.root.path): no run folders under runs/") }
        return make(ids.map { ($0, RunLabel.shared(store.specEntries($0)), store.config($0)!) }, store: store)
    }

    static func make(_ runs: [(id: String, label: RunLabel?, config: RunConfig)], store: RunStore) -> RunListing {
        let configs = runs.map(\.config.settingTexts)
        let keys = Set(configs.flatMap(\.keys)).subtracting(labelColumns).sorted()
        var rows: [Row] = []
        for (run, config) in zip(runs, configs) {
            var cells: [String: Cell] = ["id": .text(run.id), "state": .text(store.status(run.id).state.rawValue)]
            let l = run.label
            cells["mode"] = .text(l?.mode ?? run.config.mode.rawValue)
            if let f = l?.fold ?? run.config.fold { cells["fold"] = .number(Double(f)) }
            if let z = l?.zoom { cells["zoom"] = .text(z) }
            if let lf = l?.labelFraction, lf < 1 { cells["label_fraction"] = .number(lf) }
            cells["seed"] = .number(Double(l?.seed ?? run.config.seed))
            if let s = l?.sweep, !s.isEmpty { cells["sweep"] = .text(s) }
            for k in keys { if let v = config[k] { cells[k] = Double(v).map(Cell.number) ?? .text(v) } }
            if let m = store.metrics(run.id) { for (k, v) in m.summaryValues { cells[k] = .number(v) } }
            let log = TrainingLog(url: store.dir(run.id).appendingPathComponent("log.jsonl"), keepingThrough: Int.max).records
            let metric = run.config.bestMetric.rawValue
            // With validation 0 the per-epoch metrics are the test split's (the published
            // protocol): the best of them is not a validation score, so none is shown.
            if run.config.validation > 0,
               let best = log.compactMap(\.validation).max(by: { ($0[metric] ?? -.infinity) < ($1[metric] ?? -.infinity) }) {
                for (k, v) in best { cells["val_\(k)"] = .number(v) }
            }
            if !log.isEmpty {
                let seconds = log.reduce(0) { $0 + $1.seconds }
                let images = log.reduce(0) { $0 + $1.imagesPerSecond * $1.seconds }
                cells["wall_seconds"] = .number(seconds)
                if seconds > 0 { cells["images_per_second"] = .number(images / seconds) }
            }
            rows.append(Row(id: run.id, cells: cells))
        }
        return RunListing(rows: rows, settingKeys: keys)
    }

    /// Every column some row has, in display order: labels, varying keys, test metrics,
    /// validation metrics, times.
    public var availableColumns: [String] {
        let present = Set(rows.flatMap(\.cells.keys))
        let metrics = Metric.allCases.map(\.rawValue)
        let varying = varyingKeys
        let ordered = Self.labelColumns + varying + metrics + metrics.map { "val_\($0)" } + Self.timeColumns
            + settingKeys.filter { !varying.contains($0) }
        return ordered.filter(present.contains)
    }

    /// The default columns: labels, varying keys, accuracy and macro F1 (test and best
    /// validation), times.
    public var defaultColumns: [String] {
        let wanted = Self.labelColumns + varyingKeys + ["accuracy", "macro_f1", "val_accuracy", "val_macro_f1"] + Self.timeColumns
        let present = Set(rows.flatMap(\.cells.keys))
        return wanted.filter { present.contains($0) || ["id", "mode", "state"].contains($0) }
    }
}

extension RunLabel {
    /// The label of a run several spec entries share (the SSL run every sweep point starts
    /// from): the first entry's, with the sweep point "(N values)" when the entries differ
    /// in it; nil without entries.
    static func shared(_ labels: [RunLabel]) -> RunLabel? {
        guard var l = labels.first else { return nil }
        let sweeps = Set(labels.map(\.sweep))
        if sweeps.count > 1 { l.sweep = "(\(sweeps.count) values)" }
        return l
    }
}
