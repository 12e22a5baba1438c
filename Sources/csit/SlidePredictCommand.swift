import ArgumentParser
import CSiTKit
import Foundation
import HistoData
import Slides
import TensorKit
import Training

/// `csit slide predict`: a tissue-class map of whole slides with a fine-tuned checkpoint.
struct SlidePredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Classify the tissue tiles of whole slides; write tiles.csv, a class map, an overlay, summary.json and GeoJSON.",
        discussion: """
        Reads each slide at the pyramid level closest to --mpp without being coarser, resamples \
        tiles to --mpp (NCT-CRC tiles are 0.5 µm/px), finds tissue on a thumbnail (Otsu on HSV \
        saturation) and classifies the tiles with at least --tissue-threshold tissue. Writes, per \
        slide, OUTPUT/<slide name>/: tiles.csv, map.png (one pixel per tile), overlay.png (the map \
        on the thumbnail, with a legend), summary.json (areas in mm², tile counts) and \
        tiles.geojson (QuPath: File › Import objects). tiles.csv grows batch by batch: a rerun \
        with the same arguments resumes where an interrupted run stopped.

        Example:
          csit slide predict data/sample/cmu_small_region.svs --checkpoint model.safetensors --output maps/
        """)

    @Argument(help: "Slide files.") var slides: [String]
    @OptionGroup var model: CheckpointOptions
    @OptionGroup var engine: EngineOptions

    @Option(help: "Resolution the model sees, µm per pixel (default 0.5, NCT-CRC's).") var mpp: Double?
    @Option(help: "Read this pyramid level as it is instead of resampling to --mpp.") var level: Int?
    @Option(help: "Microns per level-0 pixel for slides that record none (a recorded value wins).") var slideMpp: Double?
    @Option(help: "Tile side in pixels at --mpp (default: the checkpoint's input size; other sizes are resized to it for the model).") var tile: Int?
    @Option(help: "Step between tiles in pixels at --mpp (default: --tile, no overlap).") var stride: Int?
    @Option(help: "Smallest tissue share of a tile for it to be classified (0…1).") var tissueThreshold = 0.5
    @Option(help: "Tiles per forward pass.") var batch = 32
    @Option(help: "Threads reading tiles ahead of the model.") var workers = 2
    @Option(help: "Longer side of the thumbnail for the tissue mask and overlay, in pixels.") var thumbnail = 1024
    @Option(help: "Output folder (one subfolder per slide).") var output: String

    func validate() throws {
        guard !slides.isEmpty else { throw ValidationError("give one or more slide files") }
        guard mpp == nil || level == nil else { throw ValidationError("give --mpp or --level, not both") }
        try SlideCommand.checkMPP(mpp, "--mpp")
        try SlideCommand.checkMPP(slideMpp, "--slide-mpp")
        if let l = level, l < 0 { throw ValidationError("--level \(l): expected 0 or more") }
        if let t = tile, !(8...4096).contains(t) { throw ValidationError("--tile \(t): expected 8 to 4096 pixels") }
        if let s = stride, !(1...65536).contains(s) { throw ValidationError("--stride \(s): expected 1 to 65536 pixels") }
        guard (0...1).contains(tissueThreshold) else { throw ValidationError("--tissue-threshold \(tissueThreshold): expected 0 to 1") }
        guard batch >= 1 else { throw ValidationError("--batch \(batch): expected 1 or more") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch \(batch): expected 1 to 4096") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers \(workers): expected 1 to 64") }
        guard (16...8192).contains(thumbnail) else { throw ValidationError("--thumbnail \(thumbnail): expected 16 to 8192 pixels") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("--output \(output): is a file; expected a folder (made when missing)")
        }
        let names = slides.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw ValidationError("two slides named \(dup): their outputs would share OUTPUT/\(dup); predict them into different --output folders")
        }
    }

    func run() throws {
        engine.apply()
        // Open everything first: a bad slide fails before any model time is spent.
        let opened = try slides.map { p -> (Slide, Double) in
            let s = try SlideCommand.open(p)
            return (s, try SlideCommand.mpp(s, override: slideMpp))
        }
        for (s, _) in opened {
            if let l = level, !s.levels.indices.contains(l) {
                throw ValidationError("--level \(l): \(s.path) has levels 0…\(s.levels.count - 1)")
            }
        }
        let predictor = try model.predictor(classes: nil)
        // tiles.csv names a column per class and is read back on resume by splitting at commas.
        if let bad = predictor.classes.first(where: { $0.contains { ",\"\n\r".contains($0) } }) {
            throw ValidationError("\(try model.url().path): class name \"\(bad)\" holds a comma, quote or line break; tiles.csv needs names without them")
        }
        let checkpointHash = try SHA256.hex(fileAt: try model.url())
        for (s, m) in opened { try predict(s, mpp: m, predictor: predictor, checkpointHash: checkpointHash) }
    }

    func predict(_ slide: Slide, mpp slideMPP: Double, predictor: Predictor, checkpointHash: String) throws {
        let start = Date()
        let S = predictor.model.config.imageSize, side = tile ?? S
        let grid = TileGrid(slide: slide, mpp: slideMPP, targetMPP: mpp ?? 0.5, level: level, tile: side, stride: stride ?? side)
        try wrap { try grid.checkReadable(slide.path) }
        let folder = URL(fileURLWithPath: output).appendingPathComponent(URL(fileURLWithPath: slide.path).deletingPathExtension().lastPathComponent)
        try SlideRunSettings(slide: slide, grid: grid, checkpointHash: checkpointHash, tissueThreshold: tissueThreshold,
                             batch: batch, thumbnail: thumbnail).claim(folder)
        let thumb = try wrap { try slide.thumbnail(maxSize: thumbnail) }
        let mask = TissueMask(thumbnail: thumb, slideWidth: grid.slideWidth, slideHeight: grid.slideHeight)
        let job = SlidePredictor(slide: slide, grid: grid, mask: mask, minimumTissue: tissueThreshold,
                                 classes: predictor.classes, batch: batch, workers: workers)
        let tiles = try wrap { try TilesFile(url: folder.appendingPathComponent("tiles.csv"), header: job.header, batch: batch) }
        let progress = SlideProgress(name: URL(fileURLWithPath: slide.path).lastPathComponent)
        let stopAfter = ProcessInfo.processInfo.environment["CSIT_TEST_SLIDE_KILL_AFTER_BATCHES"].flatMap(Int.init)
        var batches = 0, classified = 0
        let loopStart = Date()
        let cells = try wrap {
            try job.run(into: tiles, classify: { images in
                let input = images.map { $0.width == S ? $0 : ImageTransforms.resizeBicubic($0, width: S, height: S) }
                let p = predictor.probabilities(ImageTransforms.batchTensor(input))
                return (0..<images.count).map { i in (0..<predictor.classes.count).map { p[i, $0] } }
            }, progress: { done, total, new in
                progress.update(done: done, total: total, new: new)
                if new > 0 { batches += 1 }
                classified = new
                // Test hook: die abruptly after N batches, as a killed job would.
                if let n = stopAfter, batches >= n { kill(getpid(), SIGKILL) }
            })
        }
        let loopSeconds = Date().timeIntervalSince(loopStart)
        let outputs = try wrap { try SlideOutputs(grid: grid, classes: predictor.classes, rows: tiles.rows, file: tiles.url.path) }
        try outputs.write(to: folder, slide: slide, mask: mask, thumbnail: thumb, tissueTiles: cells.count)
        progress.finish(String(format: "%d of %d tiles with tissue, level %d (%.4g µm/px) → %.4g µm/px; classified %d in %.1f s (%.2f tiles/s); wrote %@ in %.1f s; peak RSS %.0f MiB",
                               cells.count, grid.count, grid.level, slideMPP * grid.downsample, grid.targetMPP,
                               classified, loopSeconds, Double(classified) / max(loopSeconds, 1e-9),
                               folder.path, Date().timeIntervalSince(start), SlideProgress.peakRSSMiB()))
    }

    /// Runs `body`, turning slide and tiles-file errors into one line.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let e as SlideError { throw ValidationError(e.description) }
        catch let e as TilesFileError { throw ValidationError(e.description) }
    }
}
