import ArgumentParser
import CSiTKit
import Evaluation
import Foundation
import HistoData
import Slides
import TensorKit
import Training

/// `csit evaluate`: a checkpoint on a test set, with the report, or the per-image features.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a fine-tuned checkpoint on a labeled folder or manifest; write metrics, predictions, pictures.",
        discussion: """
        The checkpoint describes itself (architecture, input size, class names); its class names must \
        match the data's folders.

        Example:
          csit evaluate --checkpoint results/demo/runs/<run id> --data tiles/ --output eval/
        """)

    @OptionGroup var model: CheckpointOptions
    @OptionGroup var engine: EngineOptions
    @Option(help: "Test data: a labeled folder (root/<class>/<image>) or a manifest CSV (rows with split test, paths relative to --root).")
    var data: String
    @Option(help: "Dataset root for a manifest.") var root: String?
    @Option(help: "Layout of a data folder.") var dataset: DatasetKind = .imageFolder
    @Option(help: "BreakHis task (default: the checkpoint's, from its class count).") var task: BreakHisTask?
    @Option(help: "Output folder (metrics.json, predictions.csv, report.md, pictures).") var output: String
    @Option(help: "Also write the classification-token features per image to this CSV.") var features: String?

    func run() throws {
        engine.apply()
        let fromManifest = data.hasSuffix(".csv")
        // A manifest's test rows may miss the last classes, so its count only builds a
        // checkpoint without a card; a folder's count is checked against the card below, by name.
        var ds: Dataset
        var indices: [Int]
        // A slide's tiles need the tiling the model was trained with, and a split that keeps
        // slides apart: the run's own test split (csit run / csit train) has both.
        if dataset == .slides {
            throw ValidationError("--dataset slides: csit evaluate reads image folders; a slides run is evaluated on its test split by csit train or csit run, and whole slides are mapped by csit slide predict")
        }
        if fromManifest {
            guard let root else { throw ValidationError("--root is needed with a manifest CSV") }
            (ds, indices) = try ManifestReader.testSet(manifest: URL(fileURLWithPath: data), root: URL(fileURLWithPath: root))
        } else {
            ds = try Dataset.load(dataset, root: URL(fileURLWithPath: data), task: task ?? .binary, tiling: SlideTiling())
            indices = Array(ds.samples.indices)
        }
        let predictor = try model.predictor(classes: nil, legacyClasses: ds.classes.count)
        let m = predictor.model, config = m.config
        if predictor.card != nil {
            if !fromManifest, dataset == .breakhis, task == nil, predictor.classes.count != ds.classes.count {
                // The card says which BreakHis task the model was trained for.
                ds = try Dataset.load(dataset, root: URL(fileURLWithPath: data), task: predictor.classes.count == 2 ? .binary : .subtype)
                indices = Array(ds.samples.indices)
            }
            ds = try remapped(ds, to: predictor.classes, placeholders: fromManifest)
        }
        let classes = predictor.card != nil ? predictor.classes : ds.classes
        let out = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let td = TrainingData(dataset: ds, indices: indices, imageSize: config.imageSize, batchSize: 64, seed: 0)
        let (metrics, csv) = try Evaluator.evaluate(m, data: td, classes: classes)
        try AtomicFile.write(Data(csv.utf8), to: out.appendingPathComponent("predictions.csv"))
        try AtomicFile.write(try metrics.json(), to: out.appendingPathComponent("metrics.json"))
        var rc = RunConfig()
        (rc.preset, rc.imageSize, rc.tokenStride, rc.root, rc.epochs) = (config.preset, config.imageSize, config.tokenStride, data, 1)
        try RunReport.write(config: rc, records: [], metrics: metrics,
                            predictions: try PredictionsFile(csv: csv), runDir: out)
        if let features {
            try AtomicFile.write(Data(try Evaluator.features(m, data: td).utf8), to: URL(fileURLWithPath: features))
        }
        print(metrics.markdown, terminator: "")
    }
}

extension EvaluateCommand {
    /// The data with labels renumbered to the checkpoint's class order, matched by name (a
    /// folder may hold a subset of the classes, in any order); a class the checkpoint lacks is
    /// an error naming it. Manifest placeholders (`0`, `1`, … without label_name) keep their index.
    func remapped(_ ds: Dataset, to classes: [String], placeholders: Bool) throws -> Dataset {
        var map: [Int] = []
        var unknown: [String] = []
        for (i, name) in ds.classes.enumerated() {
            if let j = classes.firstIndex(of: name) { map.append(j) }
            else if placeholders, Int(name) == i, i < classes.count { map.append(i) }
            else { unknown.append(name); map.append(-1) }
        }
        guard unknown.isEmpty else {
            throw ValidationError("the checkpoint's classes (\(classes.joined(separator: ", "))) do not include "
                                  + "\(unknown.joined(separator: ", ")) of \(data)")
        }
        let samples = ds.samples.map { s -> Sample in var s = s; s.label = s.label.map { map[$0] }; return s }
        return Dataset(kind: ds.kind, root: ds.root, classes: classes, samples: samples)
    }
}

/// Test rows of a manifest written by `csit data split` or a run.
enum ManifestReader {
    static func testSet(manifest: URL, root: URL) throws -> (Dataset, [Int]) {
        let rows = CSVReader.parse(try String(contentsOf: manifest, encoding: .utf8))
        guard let header = rows.first, let p = header.firstIndex(of: "path"), let l = header.firstIndex(of: "label"),
              let s = header.firstIndex(of: "split") else {
            throw ValidationError("\(manifest.path): expected columns path,label,…,split")
        }
        let body = rows.dropFirst().filter { $0.count == header.count && $0[s] == "test" }
        // A label that is not a class index (negative, huge, text) is named, not trapped on.
        for (i, row) in body.enumerated() where Int(row[l]).map({ !(0..<10_000).contains($0) }) ?? true {
            throw ValidationError("\(manifest.path): test row \(i + 1) (\(row[p])): label '\(row[l])' is not a class index 0…9999")
        }
        guard !body.isEmpty else { throw ValidationError("\(manifest.path): no rows with split test") }
        let labels = body.compactMap { Int($0[l]) }
        var classes = (0...(labels.max() ?? 0)).map(String.init)
        // A manifest written by csit names its classes (label_name): use them where known.
        if let n = header.firstIndex(of: "label_name") {
            for row in body { if let y = Int(row[l]), !row[n].isEmpty { classes[y] = row[n] } }
        }
        let samples = body.map { Sample(path: $0[p], label: Int($0[l])) }
        return (Dataset(kind: .imageFolder, root: root, classes: classes, samples: samples), Array(samples.indices))
    }
}
