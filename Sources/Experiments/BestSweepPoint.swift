import Evaluation
import Foundation
import Training

/// The sweep point a table with `rows: sweep` marks (▲): the one whose runs score best, on
/// average, on their validation split, on the metric they select on (`best_metric`). Test
/// values never take part. Without validation scores nothing is marked, and `reason` says
/// why. Recorded in the table's JSON sidecar.
public struct BestSweepPoint: Codable, Sendable {
    /// The metric compared (the runs' `best_metric`); nil when nothing is compared.
    public var metric: String?
    /// Mean validation score per row.
    public var scores: [String: Double]
    /// Runs averaged per row.
    public var runs: [String: Int]
    /// The marked rows: one per mode when the rows hold several modes.
    public var chosen: [String]
    /// Why no row is marked.
    public var reason: String?
    /// The table's footnote.
    public var note: String

    static let mark = "▲"

    static func unmarked(_ reason: String) -> BestSweepPoint {
        BestSweepPoint(metric: nil, scores: [:], runs: [:], chosen: [], reason: reason, note: "No sweep point is marked: \(reason).")
    }

    /// Chooses per mode among the table's rows on the runs' recorded validation scores.
    static func choose(groups g: ResultTable.Groups, runs: [PlannedRun], store: RunStore) -> BestSweepPoint {
        guard g.missing.isEmpty else { return .unmarked("not every planned run has test metrics yet") }
        let memberIDs = g.order.map { row in Array(Set(g.finished[row]?.values.flatMap { $0.map(\.id) } ?? [])).sorted() }
        let configs = Dictionary(runs.map { ($0.id, $0.config) }) { a, _ in a }
        let used = memberIDs.flatMap { $0 }.compactMap { configs[$0] }
        guard used.contains(where: { $0.validation > 0 }) else {
            return .unmarked("the runs have no validation split (validation: 0, as published); their per-epoch scores are of the "
                             + "test split, and choosing a point on them would bias the test values shown")
        }
        guard used.allSatisfy({ $0.validation > 0 }) else { return .unmarked("some runs have no validation split (validation: 0)") }
        let metrics = Set(used.map(\.bestMetric))
        guard metrics.count == 1, let metric = metrics.first else {
            return .unmarked("the runs select on different metrics (best_metric: \(metrics.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        // A choice is per mode: a row whose runs are of several modes (columns_by: mode) has none.
        if memberIDs.contains(where: { Set($0.compactMap { configs[$0]?.mode }).count > 1 }) {
            return .unmarked("a row holds runs of several modes; a sweep point is chosen per mode (rows: sweep with modes: [one mode])")
        }
        var scores: [String: Double] = [:], counts: [String: Int] = [:]
        for (row, ids) in zip(g.order, memberIDs) {
            let values = ids.compactMap { store.validation($0)?.scores[metric.rawValue] }
            guard values.count == ids.count, !ids.isEmpty else {
                return .unmarked("\(ids.count - values.count) run(s) of \(row) have no validation \(metric.prose) "
                                 + "in metrics.json or log.jsonl")
            }
            (scores[row], counts[row]) = (values.reduce(0, +) / Double(values.count), values.count)
        }
        // One choice per mode: rows of several modes are "FT · point".
        var families: [String: [String]] = [:], familyOrder: [String] = []
        for row in g.order {
            let family = row.components(separatedBy: " · ").dropLast().joined(separator: " · ")
            if families[family] == nil { familyOrder.append(family) }
            families[family, default: []].append(row)
        }
        // A mode the sweep does not touch has the same runs in every row: nothing to choose.
        let members = Dictionary(uniqueKeysWithValues: zip(g.order, memberIDs))
        // `max(by:)` keeps the first of equal scores: the earlier point in the spec.
        let chosen = familyOrder.compactMap { f in
            families[f].flatMap { rows in
                rows.count > 1 && Set(rows.map { members[$0]! }).count > 1 ? rows.max { scores[$0]! < scores[$1]! } : nil
            }
        }
        guard !chosen.isEmpty else { return .unmarked("one point only, or the sweep does not change these runs") }
        let perPoint = Set(counts.values)
        let over = perPoint.count == 1 ? "\(perPoint.first!) run\(perPoint.first! == 1 ? "" : "s") per point" : "each point's runs"
        return BestSweepPoint(metric: metric.rawValue, scores: scores, runs: counts, chosen: chosen, reason: nil,
                              note: "\(mark) best on validation \(metric.prose) (mean over \(over)); test values shown.")
    }
}
