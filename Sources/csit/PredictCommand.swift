import ArgumentParser
import CSiTKit
import Foundation
import HistoData
import TensorKit

/// `csit predict`: class probabilities for every image under a folder.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every image under a folder with a fine-tuned checkpoint; writes path,pred,prob_0,….")

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions

    @Option(help: "Fine-tuned .safetensors checkpoint.")
    var checkpoint: String

    @Option(help: "Number of classes of the checkpoint's heads.")
    var classes: Int

    @Option(help: "Folder of images (searched recursively; PNG, JPEG, TIFF).")
    var images: String

    @Option(help: "Output CSV (default: standard output).")
    var output: String?

    @Option(help: "Images per forward pass.")
    var batchSize = 32

    func run() throws {
        engine.apply()
        let config = try model.config()
        let root = URL(fileURLWithPath: images)
        let predictor = try Predictor(config: config, classes: classes, checkpoint: URL(fileURLWithPath: checkpoint))
        let files = try ImageFiles.list(under: root)
        guard !files.isEmpty else { throw ValidationError("no PNG, JPEG or TIFF images under \(images)") }
        var csv = "path,pred," + (0..<classes).map { "prob_\($0)" }.joined(separator: ",") + "\n"
        for start in stride(from: 0, to: files.count, by: batchSize) {
            let chunk = Array(files[start..<min(start + batchSize, files.count)])
            let crops = try chunk.map { ImageTransforms.evaluationCrop(try ImageDecoder.decode($0), size: config.imageSize) }
            let probs = predictor.probabilities(ImageTransforms.batchTensor(crops))
            for (i, url) in chunk.enumerated() {
                let row = (0..<classes).map { probs[i, $0] }
                let pred = row.indices.max { row[$0] < row[$1] }!
                csv += "\(CSVField.escape(ImageFiles.relativePath(url, to: root))),\(pred),"
                    + row.map { String(format: "%.6f", $0) }.joined(separator: ",") + "\n"
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
