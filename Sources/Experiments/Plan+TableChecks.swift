import Foundation
import Training

extension Plan {
    /// Every column that selects its runs selects some of its spec's planned runs: a column
    /// that selects nothing would print an empty column that looks like missing results.
    ///
    /// - Throws: `SpecError.range` at the column, naming what its spec plans.
    func checkColumnSelections() throws {
        for (i, t) in spec.tables.enumerated() where t.selectsPerColumn {
            for (j, c) in t.columns.enumerated() {
                let p = source(of: c, store: nil).plan
                let downstream = p.runs.filter { $0.config.mode != .ssl && (t.modes?.contains($0.config.mode) ?? true) }
                guard !downstream.contains(where: { $0.labels.contains(where: c.includes) }) else { continue }
                let labels = downstream.flatMap(\.labels)
                var plans = ["modes " + Self.distinct(labels.map(\.mode)).joined(separator: ", ")]
                let zooms = Self.distinct(labels.compactMap(\.zoom))
                if !zooms.isEmpty { plans.append("zooms " + zooms.joined(separator: ", ")) }
                let fractions = Self.distinct(labels.map { String(format: "%g", $0.labelFraction) })
                if fractions != ["1"] { plans.append("label fractions " + fractions.joined(separator: ", ")) }
                throw SpecError.range(c.location, path: "tables[\(i)].columns[\(j)]", value: c.selectionText + (c.spec.map { " of \($0)" } ?? ""),
                                      expected: "a selection with planned runs (\(p.spec.name) plans "
                                          + (downstream.isEmpty ? "no downstream run" + (t.modes == nil ? "" : " of the table's modes") : plans.joined(separator: "; ")) + ")")
            }
        }
    }

    /// The values in first-seen order, each once.
    static func distinct(_ values: [String]) -> [String] {
        var out: [String] = []
        for v in values where !out.contains(v) { out.append(v) }
        return out
    }
}
