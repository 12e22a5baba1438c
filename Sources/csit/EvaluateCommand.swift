import ArgumentParser
import CSiTKit
import Evaluation
import Foundation
import HistoData
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
    @Option(help: "Output folder (metrics.json, predictions.csv, report.md, pictures).") var output: String
    @Option(help: "Also write the classification-token features per image to this CSV.") var features: String?

    func run() throws {
        engine.apply()
        let ds: Dataset
        var indices: [Int]
        let fromManifest = data.hasSuffix(".csv")
        if fromManifest {
            guard let root else { throw ValidationError("--root is needed with a manifest CSV") }
            (ds, indices) = try ManifestReader.testSet(manifest: URL(fileURLWithPath: data), root: URL(fileURLWithPath: root))
        } else {
            ds = try Dataset.load(dataset, root: URL(fileURLWithPath: data))
            indices = Array(ds.samples.indices)
        }
        // The predictor loads the checkpoint once and rejects heads of another class count.
        // A manifest's test rows may miss the last classes, so its count only builds a checkpoint
        // without a card; a folder's classes must be the checkpoint's, in order.
        let predictor = fromManifest ? try model.predictor(classes: nil, legacyClasses: ds.classes.count)
                                     : try model.predictor(classes: ds.classes.count)
        let m = predictor.model, config = m.config
        let named = zip(ds.classes.indices, ds.classes).filter { Int($0.1) != $0.0 }   // label_name, not a placeholder
        if predictor.card != nil, (!fromManifest && predictor.classes != ds.classes)
            || ds.classes.count > predictor.classes.count || named.contains(where: { predictor.classes[$0.0] != $0.1 }) {
            throw ValidationError("the checkpoint's classes (\(predictor.classes.joined(separator: ", "))) are not the data's "
                                  + "(\(ds.classes.joined(separator: ", "))) in \(data)")
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

/// Test rows of a manifest written by `csit data split` or a run.
enum ManifestReader {
    static func testSet(manifest: URL, root: URL) throws -> (Dataset, [Int]) {
        let rows = CSVReader.parse(try String(contentsOf: manifest, encoding: .utf8))
        guard let header = rows.first, let p = header.firstIndex(of: "path"), let l = header.firstIndex(of: "label"),
              let s = header.firstIndex(of: "split") else {
            throw ValidationError("\(manifest.path): expected columns path,label,…,split")
        }
        let body = rows.dropFirst().filter { $0.count == header.count && $0[s] == "test" }
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
