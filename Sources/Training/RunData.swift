import Foundation
import HistoData

/// The images a run trains and tests on, resolved from its configuration.
public struct RunData: Sendable {
    public var train: Dataset
    public var trainIndices: [Int]
    public var test: Dataset?
    public var testIndices: [Int]
    /// The split written down (nil for SSL on all images).
    public var manifest: Manifest?

    /// Loads the dataset(s) and applies folds, zoom, hold-out and label fraction.
    ///
    /// - Throws: dataset and split errors naming the folder.
    public static func resolve(_ c: RunConfig) throws -> RunData {
        let root = URL(fileURLWithPath: c.root)
        let kind = c.mode == .ssl && c.dataset != .unlabeled ? c.dataset : c.dataset
        var dataset = try Dataset.load(kind, root: root, task: c.task)
        if c.mode == .ssl {
            if let z = c.zoom { dataset = dataset.filter { $0.zoom == z } }
            return RunData(train: dataset, trainIndices: Array(dataset.samples.indices), test: nil, testIndices: [], manifest: nil)
        }
        guard !dataset.classes.isEmpty else { throw RunConfigError.invalid(key: "dataset", value: kind.rawValue, expected: "a labeled layout for mode \(c.mode.rawValue)") }
        let manifest = try Manifest.make(dataset, folds: c.folds, groupByPatient: c.groupByPatient, zoom: c.zoom,
                                         testFraction: c.testRoot == nil && c.folds == nil ? (c.testFraction ?? 0.2) : c.testFraction,
                                         seed: c.splitSeed)
        let indexOf = Dictionary(uniqueKeysWithValues: dataset.samples.enumerated().map { ($1.path, $0) })
        var train: [Int] = [], test: [Int] = []
        for row in manifest.rows {
            let i = indexOf[row.path]!
            let isTest = row.split == "test" || (c.fold != nil && row.fold == c.fold)
            if isTest { test.append(i) } else { train.append(i) }
        }
        let labels = dataset.samples.map { $0.label ?? 0 }
        if c.labelFraction < 1 {
            train = Splits.labelFraction(train, labels: labels, fraction: c.labelFraction, seed: c.splitSeed)
        }
        var manifestOut = manifest
        let trainSet = Set(train), testSet = Set(test)
        manifestOut.rows = manifest.rows.map { r in
            var r = r
            let i = indexOf[r.path]!
            r.split = trainSet.contains(i) ? "train" : (testSet.contains(i) ? "test" : "unused")
            return r
        }
        if let testRoot = c.testRoot {
            let t = try Dataset.load(c.dataset, root: URL(fileURLWithPath: testRoot), task: c.task)
            guard t.classes == dataset.classes else {
                throw RunConfigError.invalid(key: "test_root", value: testRoot, expected: "the classes \(dataset.classes.joined(separator: ", "))")
            }
            let filtered = c.zoom.map { z in t.filter { $0.zoom == z } } ?? t
            return RunData(train: dataset, trainIndices: train, test: filtered, testIndices: Array(filtered.samples.indices), manifest: manifestOut)
        }
        return RunData(train: dataset, trainIndices: train, test: dataset, testIndices: test, manifest: manifestOut)
    }
}
