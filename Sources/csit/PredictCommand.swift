import ArgumentParser
import CSiTKit
import Foundation
import HistoData
import TensorKit

/// `csit predict`: class probabilities for every image under a folder.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every image under a folder with a fine-tuned checkpoint.",
        discussion: """
        Writes path,pred,pred_name,prob_<class>… per image; when the images sit in class folders named \
        like the checkpoint's classes (root/<class>/<image>), also label,label_name, so `csit metrics` \
        reads the file directly.

        Example:
          csit predict --checkpoint results/demo/runs/<run id> --data tiles/ --output preds.csv
          csit metrics preds.csv
        """)

    @OptionGroup var model: CheckpointOptions
    @OptionGroup var engine: EngineOptions

    @Option(help: "Number of classes (only for checkpoints without model metadata).")
    var classes: Int?

    @Option(help: "Folder of images (searched recursively; PNG, JPEG, TIFF).")
    var data: String?

    @Option(name: .customLong("images"), help: .hidden)
    var imagesAlias: String?

    @Option(help: "Output CSV (default: standard output).")
    var output: String?

    @Option(help: "Images per forward pass.")
    var batchSize = 32

    func validate() throws {
        guard (data == nil) != (imagesAlias == nil) else { throw ValidationError("give the images with --data FOLDER") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size \(batchSize): expected 1 or more") }
    }

    func run() throws {
        engine.apply()
        let folder = data ?? imagesAlias!
        let predictor = try model.predictor(classes: classes)
        let names = predictor.classes, size = predictor.model.config.imageSize
        let root = URL(fileURLWithPath: folder)
        let files = try ImageFiles.list(under: root)
        guard !files.isEmpty else { throw ValidationError("no PNG, JPEG or TIFF images under \(folder)") }
        // Images in folders named like the classes carry their label (a labelled layout).
        let paths = files.map { ImageFiles.relativePath($0, to: root) }
        let folderLabels = paths.map { p in p.split(separator: "/").first.flatMap { names.firstIndex(of: String($0)) } }
        let labelled = paths.allSatisfy { $0.contains("/") } && folderLabels.allSatisfy { $0 != nil }
        if !labelled && folderLabels.contains(where: { $0 != nil }) {
            // Some images sit in class folders, some do not: say why the labels are left out.
            let other = Set(zip(paths, folderLabels).filter { $0.1 == nil }.map { $0.0.split(separator: "/").dropLast().first.map(String.init) ?? "." })
            FileHandle.standardError.write(Data(("no label columns: images outside the checkpoint's class folders (in "
                + other.sorted().prefix(5).joined(separator: ", ") + "); csit metrics needs labels\n").utf8))
        }
        var header = ["path"] + (labelled ? ["label", "label_name"] : []) + ["pred", "pred_name"] + names.map { "prob_\($0)" }
        header = header.map(CSVField.escape)
        var csv = header.joined(separator: ",") + "\n"
        for start in stride(from: 0, to: files.count, by: batchSize) {
            let range = start..<min(start + batchSize, files.count)
            let crops = try files[range].map { ImageTransforms.evaluationCrop(try ImageDecoder.decode($0), size: size) }
            let probs = predictor.probabilities(ImageTransforms.batchTensor(crops))
            for (i, n) in range.enumerated() {
                let row = (0..<names.count).map { probs[i, $0] }
                let pred = row.indices.max { row[$0] < row[$1] }!
                var fields = [CSVField.escape(paths[n])]
                if labelled, let y = folderLabels[n] { fields += [String(y), CSVField.escape(names[y])] }
                fields += [String(pred), CSVField.escape(names[pred])] + row.map { String(format: "%.6f", $0) }
                csv += fields.joined(separator: ",") + "\n"
            }
        }
        if let output {
            try AtomicFile.write(Data(csv.utf8), to: URL(fileURLWithPath: output))
            FileHandle.standardError.write(Data("wrote \(files.count) predictions to \(output)\n".utf8))
        } else {
            print(csv, terminator: "")
        }
    }
}
