import Foundation
import HistoData
import Training

/// The data hashes of a plan's runs, each dataset listed once and each split made once.
struct DataHashes {
    /// What a missing dataset without a published size is costed at (nil: 0 images).
    let assumedImages: Int?
    private var datasets: [String: Dataset] = [:]
    private var order: [String] = []
    private var splits: [String: (String, Int)] = [:]
    private var counted: [String: [(name: String, count: Int)]] = [:]
    /// Each dataset's listing findings, computed once (every planned run asked again).
    private var findings: [String: (problems: [String], warnings: [String])] = [:]

    init(assumedImages: Int? = nil) { self.assumedImages = assumedImages }

    /// `RunData.contentHash` of the run's data; a missing dataset folder hashes its path
    /// only, so a spec can be planned before its data is in place.
    mutating func hash(_ c: RunConfig) throws -> (String, Int) {
        let splitKey = [c.root, c.dataset.rawValue, c.task.rawValue, c.mode == .ssl ? "ssl" : "labeled", c.zoom ?? "",
                        c.folds.map(String.init) ?? "", String(c.groupByPatient), c.testFraction.map { "\($0)" } ?? "",
                        c.testRoot ?? "-", String(c.splitSeed)].joined(separator: "|") + c.listingKey
        if let h = splits[splitKey] { return h }
        guard let dataset = try list(c.root, c) else {
            // Costed at the public dataset's published count when the root names one.
            let known = c.mode == .ssl ? nil : KnownDataset.expectedImages(root: c.root, kind: c.dataset, zoom: c.zoom)
            return (SHA256.hex("missing:" + c.root), known ?? assumedImages ?? 0)
        }
        let h = try RunData.contentHash(c, dataset: dataset)
        splits[splitKey] = h
        return h
    }

    /// The images of a run's fixed test folder (nil without one or before it exists).
    mutating func testImages(_ c: RunConfig) throws -> Int? {
        guard let root = c.testRoot else { return nil }
        guard let d = try list(root, c) else { return KnownDataset.expectedImages(root: root, kind: c.dataset, zoom: c.zoom) }
        return d.samples.filter { c.zoom == nil || $0.zoom == c.zoom }.count
    }

    /// The dataset at `root` in `c`'s layout, listed once; nil when `root` does not exist.
    mutating func list(_ root: String, _ c: RunConfig) throws -> Dataset? {
        let key = "\(root)|\(c.dataset.rawValue)|\(c.task.rawValue)" + c.listingKey
        if let d = datasets[key] { return d }
        guard FileManager.default.fileExists(atPath: root) else { return nil }
        let d = try c.loadDataset(root: root)
        datasets[key] = d
        order.append(key)
        return d
    }

    /// The listing checks of a run's datasets (its root, and its fixed test root), each with
    /// the spec key that sets it; roots that do not exist are skipped.
    mutating func checks(_ c: RunConfig, tree: SpecValue) throws -> [(key: [String], problems: [String], warnings: [String])] {
        var roots = [(c.mode == .ssl && tree.value(at: ["ssl", "dataset", "root"]) != nil ? ["ssl", "dataset", "root"] : ["dataset", "root"], c.root)]
        if let t = c.testRoot, c.mode != .ssl { roots.append((["dataset", "test_root"], t)) }
        return try roots.compactMap { key, root in
            let datasetKey = "\(root)|\(c.dataset.rawValue)|\(c.task.rawValue)" + c.listingKey
            if let known = findings[datasetKey] { return (key, known.problems, known.warnings) }
            guard let d = try list(root, c) else { return nil }
            let check = DatasetCheck(listing: d)
            findings[datasetKey] = (check.problems, check.warnings)
            return (key, check.problems, check.warnings)
        }
    }

    /// Every dataset listed, in first-use order.
    var listed: [DatasetCheck] { order.map { DatasetCheck(listing: datasets[$0]!) } }

    /// Images per class of a run's (zoom-filtered) dataset, once it has been listed; counted
    /// once per dataset and zoom.
    mutating func classCounts(_ c: RunConfig) -> [(name: String, count: Int)]? {
        let key = "\(c.root)|\(c.dataset.rawValue)|\(c.task.rawValue)" + c.listingKey
        if let known = counted[key + "|" + (c.zoom ?? "")] { return known }
        guard let d = datasets[key], !d.classes.isEmpty else { return nil }
        var counts = [Int](repeating: 0, count: d.classes.count)
        for s in d.samples where c.zoom == nil || s.zoom == c.zoom { if let l = s.label { counts[l] += 1 } }
        let named = Array(zip(d.classes, counts)).map { (name: $0.0, count: $0.1) }
        counted[key + "|" + (c.zoom ?? "")] = named
        return named
    }

    /// The least populated class of a run's dataset, once it has been listed.
    mutating func smallestClass(_ c: RunConfig) -> (String, Int)? {
        classCounts(c)?.min { $0.count < $1.count }.map { ($0.name, $0.count) }
    }

    /// The validation images a run's stratified split will hold, as `RunData.validationSplit`
    /// carves them (round(f · n) of each class's training images, never all of one); nil
    /// before the data is listed or for patient-grouped folds.
    mutating func validationImages(_ c: RunConfig) -> Int? {
        guard c.validation > 0, !c.groupByPatient, let counts = classCounts(c) else { return nil }
        let share = c.folds.map { Double($0 - 1) / Double($0) } ?? (c.testRoot != nil ? 1 - (c.testFraction ?? 0) : 1 - (c.testFraction ?? 0.2))
        return counts.map { n in
            let train = Int(Double(n.count) * share)
            return Swift.max(0, Swift.min(train - 1, Int((c.validation * Double(train)).rounded())))
        }.reduce(0, +)
    }
}
