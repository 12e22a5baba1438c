import Foundation
import HistoData
import TensorKit

/// The images a run trains and tests on, resolved from its configuration.
public struct RunData: Sendable {
    public var train: Dataset
    public var trainIndices: [Int]
    public var test: Dataset?
    public var testIndices: [Int]
    /// Held out of the training split (of `train`'s dataset) for per-epoch metrics, the best
    /// checkpoint and early stopping; empty with `validation` 0.
    public var validationIndices: [Int] = []
    /// The split written down (nil for SSL on all images).
    public var manifest: Manifest?
    /// The content hash of the data the run sees, for `RunIdentity`.
    public var contentHash: String

    /// Loads the dataset(s) and applies folds, zoom, hold-out and label fraction.
    ///
    /// - Throws: dataset and split errors naming the folder.
    public static func resolve(_ c: RunConfig) throws -> RunData {
        var dataset = try c.loadDataset(root: c.root)
        if c.mode == .ssl {
            if let z = c.zoom { dataset = dataset.filter { $0.zoom == z } }
            return RunData(train: dataset, trainIndices: Array(dataset.samples.indices), test: nil, testIndices: [], manifest: nil,
                           contentHash: listingHash(dataset))
        }
        let manifest = try splitManifest(c, dataset: dataset)
        let indexOf = Dictionary(uniqueKeysWithValues: dataset.samples.enumerated().map { ($1.path, $0) })
        var train: [Int] = [], test: [Int] = []
        for row in manifest.rows {
            let i = indexOf[row.path]!
            let isTest = row.split == "test" || (c.fold != nil && row.fold == c.fold)
            if isTest { test.append(i) } else { train.append(i) }
        }
        let labels = dataset.samples.map { $0.label ?? 0 }
        // Validation first, then the label fraction of what is left: a semi-supervised run
        // selects its model on as many labelled images as a fully supervised one.
        let validation = validationSplit(train, c, dataset: dataset)
        let held = Set(validation)
        train = train.filter { !held.contains($0) }
        if c.labelFraction < 1 {
            train = Splits.labelFraction(train, labels: labels, fraction: c.labelFraction, seed: c.splitSeed)
        }
        var manifestOut = manifest
        let trainSet = Set(train), testSet = Set(test)
        manifestOut.rows = manifest.rows.map { r in
            var r = r
            let i = indexOf[r.path]!
            r.split = trainSet.contains(i) ? "train" : (testSet.contains(i) ? "test" : (held.contains(i) ? "val" : "unused"))
            return r
        }
        if let testRoot = c.testRoot {
            let t = try c.loadDataset(root: testRoot)
            guard t.classes == dataset.classes else {
                throw RunConfigError.invalid(key: "test_root", value: testRoot, expected: "the classes \(dataset.classes.joined(separator: ", "))")
            }
            let filtered = c.zoom.map { z in t.filter { $0.zoom == z } } ?? t
            return RunData(train: dataset, trainIndices: train, test: filtered, testIndices: Array(filtered.samples.indices),
                           validationIndices: validation, manifest: manifestOut,
                           contentHash: manifest.contentHash + "|test:" + listingHash(filtered))
        }
        return RunData(train: dataset, trainIndices: train, test: dataset, testIndices: test, validationIndices: validation,
                       manifest: manifestOut, contentHash: manifest.contentHash)
    }

    /// The validation images carved from a training split: stratified by class, and by
    /// patient whenever the folds are (no patient on both sides), drawn with the split seed
    /// under a purpose of their own; round(f · n) images of each class, never all of one.
    static func validationSplit(_ train: [Int], _ c: RunConfig, dataset: Dataset) -> [Int] {
        guard c.validation > 0, train.count >= 2 else { return [] }
        let labels = train.map { dataset.samples[$0].label ?? 0 }
        var rng = RNG(seed: c.splitSeed, stream: "validation")
        let seed = rng.next()
        let held: [Bool]
        if c.groupByPatient {
            let k = Swift.max(2, Int((1 / c.validation).rounded()))
            held = Splits.stratifiedGroupKFold(labels: labels, groups: train.map { dataset.samples[$0].group }, folds: k, seed: seed).map { $0 == 0 }
        } else {
            // round(f · n) of each class, and never a whole class: ⌈f · n⌉ held out half of a
            // class of two images at 10 %.
            var flags = [Bool](repeating: false, count: labels.count)
            var shuffler = RNG(seed: seed, stream: "validation-images")
            for label in Set(labels).sorted() {
                var idx = labels.indices.filter { labels[$0] == label }
                idx.shuffle(using: &shuffler)
                for i in idx.prefix(Swift.min(idx.count - 1, Int((c.validation * Double(idx.count)).rounded()))) { flags[i] = true }
            }
            held = flags
        }
        // Never a whole class (a class of one image, or of one patient with grouped folds).
        let kept = Set(zip(labels, held).filter { !$0.1 }.map(\.0))
        return zip(train, zip(labels, held)).filter { $0.1.1 && kept.contains($0.1.0) }.map(\.0)
    }

    /// The data hash `RunIdentity` uses, computed from a loaded dataset without building the
    /// run's batches (the planner's way), equal to `resolve(c).contentHash`.
    ///
    /// - Returns: the hash and the number of images the run trains and tests on.
    public static func contentHash(_ c: RunConfig, dataset: Dataset) throws -> (hash: String, images: Int) {
        if c.mode == .ssl {
            let d = c.zoom.map { z in dataset.filter { $0.zoom == z } } ?? dataset
            return (listingHash(d), d.samples.count)
        }
        let m = try splitManifest(c, dataset: dataset)
        guard let testRoot = c.testRoot else { return (m.contentHash, m.rows.count) }
        // A fixed test set is part of what the run computes: its listing joins the hash.
        guard FileManager.default.fileExists(atPath: testRoot) else { return (m.contentHash + "|test:missing:" + testRoot, m.rows.count) }
        let t = try c.loadDataset(root: testRoot)
        return (m.contentHash + "|test:" + listingHash(c.zoom.map { z in t.filter { $0.zoom == z } } ?? t), m.rows.count)
    }

    /// The folds or hold-out before the run's fold and label fraction are applied.
    static func splitManifest(_ c: RunConfig, dataset: Dataset) throws -> Manifest {
        guard !dataset.classes.isEmpty else {
            throw RunConfigError.invalid(key: "dataset", value: c.dataset.rawValue, expected: "a labeled layout for mode \(c.mode.rawValue)")
        }
        return try Manifest.make(dataset, folds: c.folds, groupByPatient: c.groupByPatient, zoom: c.zoom,
                                 testFraction: c.testRoot == nil && c.folds == nil ? (c.testFraction ?? 0.2) : c.testFraction,
                                 seed: c.splitSeed)
    }

    /// The image listing's hash (paths, in order): a renamed, added or removed image changes
    /// it; edited pixels under the same names do not (hashing every image's bytes at every
    /// plan would cost a full read of the dataset).
    static func listingHash(_ d: Dataset) -> String { SHA256.hex(d.samples.map(\.path).joined(separator: "\n")) }
}
