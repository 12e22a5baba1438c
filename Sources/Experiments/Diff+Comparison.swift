import Foundation
import HistoData

extension Diff {
    /// What `csit diff` found, in one structure the three formats print.
    public struct Comparison: Codable, Sendable, Equatable {
        /// A configuration key whose values differ; per side, its distinct values joined by " / ".
        public struct Setting: Codable, Sendable, Equatable {
            public var key: String
            public var values: [String]
        }

        /// One metric of one run label (or of the means): per side, its value; per side but
        /// the first, the difference to the first (nil where either is missing).
        public struct Row: Codable, Sendable, Equatable {
            public var run: String
            public var metric: String
            public var values: [Double?]
            public var deltas: [Double?]
        }

        public var sides: [String]
        public var configuration: [Setting]
        public var runs: [Row]
        public var means: [Row]

        /// The output formats of `csit diff --format`.
        public enum Format: String, CaseIterable, Sendable {
            /// Two Markdown tables: settings that differ, metrics with deltas.
            case markdown
            /// The whole comparison as one JSON object.
            case json
            /// One CSV table; `kind` says setting, run or mean.
            case csv
        }

        /// The comparison in `format`.
        public func rendered(_ format: Format) throws -> String {
            switch format {
            case .markdown: return markdown
            case .json:
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                return String(decoding: try e.encode(self), as: UTF8.self) + "\n"
            case .csv: return csv
            }
        }

        static func number(_ v: Double?, signed: Bool = false) -> String {
            v.map { String(format: signed ? "%+.4f" : "%.4f", $0) } ?? "–"
        }

        public var markdown: String {
            var s = "## Configuration differences\n\n"
            if configuration.isEmpty { s += "none (besides data paths, folds and seeds)\n" } else {
                s += "| key | " + sides.joined(separator: " | ") + " |\n|---|" + String(repeating: "---|", count: sides.count) + "\n"
                for c in configuration { s += "| \(c.key) | " + c.values.joined(separator: " | ") + " |\n" }
            }
            s += "\n## Metrics\n\n| run | metric | " + sides.joined(separator: " | ") + " | "
                + sides.dropFirst().map { "Δ \($0)" }.joined(separator: " | ") + " |\n"
            s += "|---|---|" + String(repeating: "---|", count: 2 * sides.count - 1) + "\n"
            for (r, bold) in runs.map({ ($0, false) }) + means.map({ ($0, true) }) {
                s += "| \(bold ? "**\(r.run)**" : r.run) | \(r.metric) | "
                    + r.values.map { Self.number($0) }.joined(separator: " | ") + " | "
                    + r.deltas.map { Self.number($0, signed: true) }.joined(separator: " | ") + " |\n"
            }
            return s
        }

        /// One table: `kind` is setting, run or mean; empty cells where a value is missing.
        public var csv: String {
            let header = ["kind", "run", "key"] + sides + sides.dropFirst().map { "delta \($0)" }
            var lines = [header.map(CSVField.escape).joined(separator: ",")]
            for c in configuration {
                lines.append((["setting", "", c.key] + c.values + sides.dropFirst().map { _ in "" }).map(CSVField.escape).joined(separator: ","))
            }
            func cell(_ v: Double?) -> String { v.map { String($0) } ?? "" }
            for (kind, rows) in [("run", runs), ("mean", means)] {
                for r in rows {
                    lines.append((["\(kind)", r.run, r.metric].map(CSVField.escape) + r.values.map(cell) + r.deltas.map(cell)).joined(separator: ","))
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
