import Foundation
import TensorKit

/// A split written down: one row per image with its label, group, zoom, fold and split
/// (`train`, `test`, or `unused` for images left out by a label fraction).
public struct Manifest: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var path: String
        public var label: Int?
        public var group: String
        public var zoom: String
        /// Cross-validation fold, or −1 when the split is not cross-validated.
        public var fold: Int
        public var split: String
    }

    public var rows: [Row]
    public var classes: [String]

    /// The CSV text: a `path,label,group,zoom,fold,split,label_name` header, rows sorted by path.
    public var csv: String { text(withNames: true) }

    /// The rows without the class-name column (the names enter the hash once, as a list).
    func text(withNames: Bool) -> String {
        var s = "path,label,group,zoom,fold,split" + (withNames ? ",label_name" : "") + "\n"
        for r in rows.sorted(by: { $0.path < $1.path }) {
            var fields = [CSVField.escape(r.path), r.label.map(String.init) ?? "", CSVField.escape(r.group), r.zoom, String(r.fold), r.split]
            if withNames { fields.append(r.label.flatMap { classes.indices.contains($0) ? CSVField.escape(classes[$0]) : nil } ?? "") }
            s += fields.joined(separator: ",") + "\n"
        }
        return s
    }

    /// SHA-256 of the rows and the class names: the manifest's identity (unchanged by the
    /// `label_name` column, which repeats the names).
    public var contentHash: String { SHA256.hex(text(withNames: false) + "classes=" + classes.joined(separator: "|")) }

    /// Writes `<url>` and `<url>.sha256` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(csv.utf8), to: url)
        try AtomicFile.write(Data((contentHash + "\n").utf8), to: url.appendingPathExtension("sha256"))
    }

    /// Builds the manifest of a split.
    ///
    /// - Parameters:
    ///   - folds: the number of CV folds (nil: no CV; every non-test row is `train`).
    ///   - groupByPatient: patient-grouped stratified folds (BreakHis) instead of image level.
    ///   - zoom: keep only this magnification, after the folds are drawn over all zooms, so
    ///     patient folds agree across zooms.
    ///   - testFraction: a stratified hold-out test set instead of CV.
    public static func make(_ dataset: Dataset, folds: Int?, groupByPatient: Bool = false, zoom: String? = nil,
                            testFraction: Double? = nil, seed: UInt64) throws -> Manifest {
        let labels = dataset.samples.map { $0.label ?? 0 }
        var foldOf = [Int](repeating: -1, count: labels.count)
        if let k = folds {
            if groupByPatient {
                guard dataset.samples.allSatisfy({ !$0.group.isEmpty }) else { throw SplitError.noGroups(dataset.root.path) }
                foldOf = Splits.stratifiedGroupKFold(labels: labels, groups: dataset.samples.map(\.group), folds: k, seed: seed)
            } else {
                foldOf = Splits.stratifiedKFold(labels: labels, folds: k, seed: seed)
            }
        }
        let test = testFraction.map { Splits.holdOut(labels: labels, fraction: $0, seed: seed) }
            ?? [Bool](repeating: false, count: labels.count)
        var rows: [Row] = []
        for (i, s) in dataset.samples.enumerated() {
            if let zoom, s.zoom != zoom { continue }
            rows.append(Row(path: s.path, label: s.label, group: s.group, zoom: s.zoom, fold: foldOf[i],
                            split: test[i] ? "test" : "train"))
        }
        guard !rows.isEmpty else { throw SplitError.emptyZoom(zoom ?? "", dataset.root.path) }
        return Manifest(rows: rows, classes: dataset.classes)
    }

    /// The rows of fold `k` as test and the rest as train (rows marked `test` stay test).
    public func crossValidation(fold k: Int) -> (train: [Row], test: [Row]) {
        (rows.filter { $0.fold != k && $0.split != "test" }, rows.filter { $0.fold == k || $0.split == "test" })
    }
}

/// A split that cannot be made.
public enum SplitError: Error, CustomStringConvertible, Equatable {
    case noGroups(String)
    case emptyZoom(String, String)

    public var description: String {
        switch self {
        case .noGroups(let p): return "\(p): --group-by patient needs patient ids (BreakHis file names); this dataset has none"
        case let .emptyZoom(z, p): return "\(p): no images at magnification '\(z)'; expected one of \(BreakHis.magnifications.joined(separator: ", "))"
        }
    }
}
