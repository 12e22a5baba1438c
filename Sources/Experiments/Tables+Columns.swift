import Evaluation
import Foundation
import Training

extension Plan {
    /// The plan and results folder a column reads: its spec's (planned with this plan), or
    /// this plan and `store`.
    func source(of c: TableSpec.Column, store: RunStore?) -> (plan: Plan, store: RunStore?) {
        guard let path = c.spec, let p = sources[path] else { return (self, store) }
        return (p, store.map { _ in RunStore(root: p.spec.resultsDir) })
    }
}

extension ResultTable {
    /// The cells of a table whose columns select their runs: column j over its own group.
    static func selectedCells(_ t: TableSpec, _ g: Groups) -> [[Cell?]] {
        g.order.map { row in
            t.columns.enumerated().map { j, c in
                cell(g.finished[row]?["#\(j)"] ?? [], metric: c.metric, expected: g.planned[row]?["#\(j)"]?.count ?? 0,
                     reference: t.reference[row]?[c.key], intervals: t.intervals)
            }
        }
    }

    /// The cells of the `reported` rows: the spec's values (stored unscaled, as measured cells
    /// are), with no runs and marked reported.
    static func reportedCells(_ t: TableSpec, columns: [String]) -> [[Cell?]] {
        t.reported.map { row in
            columns.map { key in
                // 72.4 % as the double nearest 0.724 (72.4 / 100 printed 0.7240000000000001 in the CSV).
                row.values[key].map { v in
                    Cell(mean: t.percent ? Double("\(v)e-2") ?? v / 100 : v, std: 0, n: 0, expected: 0, runs: [], reference: nil, reported: true)
                }
            }
        }
    }

    /// What each column of a per-column table reads: the spec, the selection and that spec's
    /// data and protocol (a table never pools what it does not say it pools).
    static func columnsNote(_ t: TableSpec, plan: Plan) -> String {
        let parts = t.columns.map { c -> String in
            let p = plan.source(of: c, store: nil).plan
            let design = p.spec.design.map(designNote) ?? "no runs of its own"
            return "\(c.key): \(c.selectionText) of spec \(p.spec.name) (\(design))"
        }
        return "Columns: " + parts.joined(separator: ". ") + ". " + cellsSentence
    }
}
