import Evaluation
import Foundation
import Training

/// Compares runs or whole experiments: configuration keys that differ, and metric deltas.
public enum Diff {
    /// One side of a comparison: a run folder, or an experiment's runs keyed by label.
    public struct Side {
        public var name: String
        /// label → (run id, config, metrics)
        public var runs: [(label: String, id: String, config: RunConfig, metrics: ClassificationMetrics?)]
    }

    /// Loads a run folder (has `config.json`), a results folder (has `runs/`), a spec file,
    /// or a run id (or its prefix), looked up under `results/*/runs/`.
    public static func load(_ path: String) throws -> Side {
        var url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        if !fm.fileExists(atPath: path), let found = findRun(id: path) { url = found }
        if fm.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            let store = RunStore(root: url.deletingLastPathComponent().deletingLastPathComponent())
            let id = url.lastPathComponent
            guard let c = store.config(id) else { throw RunnerError.unknownRun(path) }
            return Side(name: path, runs: [("run", id, c, store.metrics(id))])
        }
        return try loadExperiment(url, name: path)
    }

    /// The folder of run `id` under `results/*/runs/`, if exactly one matches.
    static func findRun(id: String) -> URL? {
        let fm = FileManager.default
        let results = URL(fileURLWithPath: "results")
        let experiments = (try? fm.contentsOfDirectory(atPath: results.path)) ?? []
        let matches = experiments.flatMap { e -> [URL] in
            let runs = results.appendingPathComponent("\(e)/runs")
            return ((try? fm.contentsOfDirectory(atPath: runs.path)) ?? []).filter { $0.hasPrefix(id) }.map { runs.appendingPathComponent($0) }
        }
        return matches.count == 1 ? matches[0] : nil
    }

    static func loadExperiment(_ url: URL, name path: String) throws -> Side {
        let fm = FileManager.default
        var resultsDir = url
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            resultsDir = try ExperimentSpec.load(path, checkPaths: false).resultsDir
        }
        let store = RunStore(root: resultsDir)
        let ids = (try? fm.contentsOfDirectory(atPath: resultsDir.appendingPathComponent("runs").path)) ?? []
        guard !ids.isEmpty else { throw RunnerError.unknownRun(path) }
        var runs: [(String, String, RunConfig, ClassificationMetrics?)] = []
        for id in ids.sorted() {
            guard let c = store.config(id), c.mode != .ssl else { continue }
            let labels = store.specEntries(id)
            let label = labels.first.map { l in
                [l.mode, l.fold.map { "fold \($0)" }, l.zoom, l.labelFraction < 1 ? "\(l.labelFraction)" : nil, "seed \(l.seed)",
                 l.sweep.isEmpty ? nil : l.sweep].compactMap { $0 }.joined(separator: " ")
            } ?? id
            runs.append((label, id, c, store.metrics(id)))
        }
        return Side(name: path, runs: runs.map { (label: $0.0, id: $0.1, config: $0.2, metrics: $0.3) })
    }

    /// Configuration keys that always differ between experiments and say nothing: data
    /// paths, folds, seeds. The SSL run a downstream run started from is compared by run.
    static let ignoredKeys: Set<String> = ["root", "test_root", "init_checkpoint", "fold", "seed"]

    /// The key under which the SSL run behind downstream runs is compared.
    public static let sslRunKey = "ssl_run"

    /// The comparison of `sides`: configuration keys whose values differ (keys equal on
    /// every side are left out), per-label metrics with deltas against the first side, then
    /// the means over the labels each side has.
    public static func compare(_ sides: [Side], metrics: [String] = [Metric.accuracy, .macroF1, .kappa, .macroAUC].map(\.rawValue)) throws -> Comparison {
        func flat(_ c: RunConfig) throws -> [String: String] {
            var obj = c.settingTexts
            if let ck = c.initCheckpoint {
                obj[sslRunKey] = ck.hasPrefix(RunIdentity.plannedPrefix) ? String(ck.dropFirst(RunIdentity.plannedPrefix.count)) : ck
            }
            return obj
        }
        let configs = try sides.map { side in try side.runs.map { try flat($0.config) } }
        var keys = Set<String>()
        for perSide in configs { for c in perSide { keys.formUnion(c.keys) } }
        let differing = keys.sorted().filter { k in
            Set(configs.flatMap { $0.map { $0[k] ?? "–" } }).count > 1 && !ignoredKeys.contains(k)
        }
        let configuration = differing.map { k in
            Comparison.Setting(key: k, values: configs.map { Array(Set($0.map { $0[k] ?? "–" })).sorted().joined(separator: " / ") })
        }
        func row(_ run: String, _ metric: String, _ values: [Double?]) -> Comparison.Row {
            Comparison.Row(run: run, metric: metric, values: values,
                           deltas: values.dropFirst().map { v in v.flatMap { v in values[0].map { v - $0 } } })
        }
        let labels = sides.flatMap { $0.runs.map(\.label) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var rows: [Comparison.Row] = []
        for label in labels {
            for metric in metrics {
                rows.append(row(label, metric, sides.map { side in side.runs.first { $0.label == label }?.metrics?.summaryValues[metric] }))
            }
        }
        let means = metrics.map { metric in
            row("mean", metric, sides.indices.map { si in
                let v = rows.filter { $0.metric == metric }.compactMap { $0.values[si] }
                return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
            })
        }
        return Comparison(sides: sides.map(\.name), configuration: configuration, runs: rows, means: means)
    }

    /// Markdown: differing configuration keys, then per-label metrics with deltas against
    /// the first side, then the means.
    public static func render(_ sides: [Side], metrics: [String] = [Metric.accuracy, .macroF1, .kappa, .macroAUC].map(\.rawValue)) throws -> String {
        try compare(sides, metrics: metrics).markdown
    }
}
