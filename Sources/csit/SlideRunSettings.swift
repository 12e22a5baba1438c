import ArgumentParser
import Foundation
import Slides
import TensorKit

/// What makes a slide's `tiles.csv`: written to `run.json` by the first run, compared by a
/// rerun, which resumes only when nothing differs.
struct SlideRunSettings {
    let values: [String: String]

    init(slide: Slide, grid: TileGrid, checkpointHash: String, tissueThreshold: Double, batch: Int, thumbnail: Int) {
        let size = (try? FileManager.default.attributesOfItem(atPath: slide.path)[.size] as? Int) ?? nil
        values = [
            "slide": slide.path,
            "slide_bytes": size.map(String.init) ?? "?",
            "slide_quickhash": slide.properties["openslide.quickhash-1"] ?? "",
            "checkpoint_sha256": checkpointHash,
            "slide_mpp": String(grid.mpp), "target_mpp": String(grid.targetMPP), "level": String(grid.level),
            "tile": String(grid.tile), "stride": String(grid.stride),
            "tissue_threshold": String(tissueThreshold), "batch": String(batch), "thumbnail": String(thumbnail),
        ]
    }

    /// Records the settings in `folder/run.json`, or checks them against a previous run's.
    ///
    /// - Throws: `ValidationError` naming the first differing setting.
    func claim(_ folder: URL) throws {
        let file = folder.appendingPathComponent("run.json")
        // The slide is compared by its size and OpenSlide's quickhash; the path only says
        // where it was (a rerun from another folder, or of a moved slide, resumes).
        let compared = values.keys.filter { $0 != "slide" }.sorted()
        if let data = FileManager.default.contents(atPath: file.path) {
            guard let old = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
                throw ValidationError("\(file.path): not a run.json of csit slide predict; remove the folder or choose another --output")
            }
            if let key = compared.first(where: { old[$0] != values[$0] }) {
                throw ValidationError("\(folder.path) holds tiles made with other settings (\(key) \(old[key] ?? "unset"), now \(values[key]!)); rerun with the same arguments to resume, or choose another --output")
            }
            return
        }
        // Rows without the record of what made them could be another model's: never mixed in.
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("tiles.csv").path) {
            throw ValidationError("\(folder.path) holds a tiles.csv without run.json (what made it is unknown); remove the folder or choose another --output")
        }
        let data = try JSONSerialization.data(withJSONObject: values, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(data + Data("\n".utf8), to: file)
    }
}
