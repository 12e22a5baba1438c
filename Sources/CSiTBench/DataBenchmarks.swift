import Foundation
import HistoData
import TensorKit

/// Decode + augment throughput of the training pipeline on 224-px real-tissue tiles, in
/// PNG and in TIFF (the NCT-CRC format), with 1 and 2 loader workers.
struct DataBenchmark {
    var emit: (BenchRecord) -> Void

    func run(workerCounts: [Int], images n: Int = 48) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-bench-data-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let slide = try ImageDecoder.decode(root.appendingPathComponent("data/sample/cmu_small_region.svs"))
        for format in ["png", "tif"] {
            let classDir = dir.appendingPathComponent(format).appendingPathComponent("tissue")
            try FileManager.default.createDirectory(at: classDir, withIntermediateDirectories: true)
            for i in 0..<n {
                // Tiles from the tissue-rich centre column of the slide.
                let tile = slide.cropped(top: 200 + (i / 4) * 224 % 2400, left: 700 + (i % 4) * 224, height: 224, width: 224)
                let url = classDir.appendingPathComponent("tile\(i).\(format)")
                if format == "png" { try ImageEncoder.writePNG(tile, to: url) } else { try ImageEncoder.writeTIFF(tile, to: url) }
            }
            let dataset = try Dataset.load(.imageFolder, root: dir.appendingPathComponent(format))
            for workers in workerCounts {
                // SSL batches of 8 images (16 views): decode + crop/resize/flip/jitter + normalise.
                let data = TrainingData(dataset: dataset, indices: Array(dataset.samples.indices), imageSize: 224, batchSize: 8, seed: 0)
                let order = data.order(epoch: 0)
                let start = Timing.now()
                let p = Prefetcher(count: data.stepsPerEpoch, workers: workers, depth: 2 * workers) { step in
                    try data.sslViews(epoch: 0, step: step, order: order).views
                }
                var batches = 0
                while try p.next() != nil { batches += 1 }
                let t = Timing.now() - start
                var r = BenchRecord()
                r.set("bench", "decode_augment"); r.set("format", format); r.set("image_size", 224)
                r.set("workers", workers); r.set("images", batches * 8)
                r.set("images_per_s", Double(batches * 8) / t); r.set("views_per_s", Double(batches * 16) / t)
                emit(r)
            }
        }
    }
}
