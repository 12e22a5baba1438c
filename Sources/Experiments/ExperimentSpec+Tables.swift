import Foundation
import Training

extension ExperimentSpec {
    /// The values a table dimension takes over the spec's runs, in the spec's order, named
    /// as rows and columns name them (`40X`, `10 %`, `SSL+FT`, a sweep point's label).
    func values(of dimension: TableSpec.Rows, modes: [RunConfig.Mode]?) -> [String] {
        var out: [String] = []
        func add(_ v: String) { if !out.contains(v) { out.append(v) } }
        for p in points {
            switch dimension {
            case .zoom: (p.design.evaluation.zooms ?? ["all"]).forEach(add)
            case .labelFraction: p.design.evaluation.labelFractions.map(ResultTable.fractionLabel).forEach(add)
            case .mode:
                p.design.modes.filter { $0 != .ssl && (modes?.contains($0) ?? true) }.map { ResultTable.modeLabel($0.rawValue) }.forEach(add)
            case .sweep: add(p.label.isEmpty ? "-" : p.label)
            }
        }
        return out
    }

    /// Every mode a table selects is one the spec runs (at some sweep point): a table of a
    /// mode nobody runs would be empty, or pool nothing it says it pools.
    ///
    /// - Throws: `SpecError.range` at the table's `modes` entry.
    func checkTableModes() throws {
        let run = Set(points.flatMap(\.design.modes))
        for (i, t) in tables.enumerated() {
            for (j, mode) in (t.modes ?? []).enumerated() where !run.contains(mode) {
                let at = tree.value(at: ["tables"])?.sequenceItems[i]["modes"]?.sequenceItems[j].location ?? tree.location
                throw SpecError.range(at, path: "tables[\(i)].modes[\(j)]", value: mode.rawValue,
                                      expected: "a mode the spec runs (" + run.map(\.rawValue).sorted().joined(separator: ", ") + ")")
            }
        }
    }

    /// Checks what only the whole spec tells about its tables: a pivot (`columns_by`) needs a
    /// dimension that takes at least two values, and its reference columns must be among
    /// them (or `Mean`).
    ///
    /// - Throws: `SpecError` at the table's `columns_by` or reference entry.
    func checkTables() throws {
        let entries = tree["tables"]?.sequenceItems ?? []
        for (i, t) in tables.enumerated() {
            guard let by = t.columnsBy, i < entries.count else { continue }
            let values = values(of: by, modes: t.modes)
            let at = entries[i]["columns_by"]?.location ?? entries[i].location
            guard values.count >= 2 else {
                throw SpecError.range(at, path: "tables[\(i)].columns_by", value: by.rawValue,
                                      expected: "a dimension the spec varies (\(by.rawValue) takes only \(values.first.map { "'\($0)'" } ?? "no value"))")
            }
            for (row, columns) in entries[i]["reference"]?.pairs ?? [] {
                for (column, v) in columns.pairs where !values.contains(column) && column != TableSpec.meanColumn {
                    throw SpecError.range(v.location, path: "tables[\(i)].reference.\(row).\(column)", value: column,
                                          expected: "one of the \(by.rawValue) values \((values + [TableSpec.meanColumn]).joined(separator: ", "))")
                }
            }
        }
    }
}
