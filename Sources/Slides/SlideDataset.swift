import Foundation
import HistoData

/// A folder of whole slides as a dataset of tissue tiles (`DatasetKind.slides`).
///
/// `root/<class>/…/<slide>` labels every tile of a slide with its class folder (classes
/// sorted by name); slides directly in `root` form an unlabeled set (self-supervised
/// pretraining). A MIRAX slide's data folder (`name/` beside `name.mrxs`) is not a class.
/// Each sample is one tile, `group` its slide, so patient- or slide-grouped folds keep a
/// slide's tiles together.
public enum SlideDataset {
    /// The slide files under `root` (paths relative to it, sorted) and the classes.
    ///
    /// - Throws: `SlideDatasetError` for a root that is no folder, holds no slides, or mixes
    ///   loose slides with class folders.
    public static func list(root: URL) throws -> (classes: [String], slides: [(path: String, label: Int?)]) {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }.sorted() }
        catch { throw SlideDatasetError.notAFolder(root.path) }
        let loose = names.filter { SlideTiling.isSlideFile(URL(fileURLWithPath: $0)) && !isDirectory(root.appendingPathComponent($0)) }
        let mrxsData = Set(names.filter { $0.lowercased().hasSuffix(".mrxs") }.map { String($0.dropLast(5)) })
        var classes: [String] = [], slides: [(String, Int?)] = []
        for name in names where isDirectory(root.appendingPathComponent(name)) && !mrxsData.contains(name) {
            let found = slideFiles(under: root.appendingPathComponent(name), prefix: name)
            guard !found.isEmpty else { continue }
            slides += found.map { ($0, classes.count) }
            classes.append(name)
        }
        if !classes.isEmpty && !loose.isEmpty { throw SlideDatasetError.mixedLayout(root.path, loose: loose) }
        if classes.isEmpty { slides = loose.map { ($0, nil) } }
        guard !slides.isEmpty else { throw SlideDatasetError.noSlides(root.path) }
        return (classes, slides)
    }

    /// Lists, tiles (through the cached tile index) and samples the slides under `root`.
    ///
    /// - Parameter cacheFolder: where tile indexes are cached (nil: `CacheFolder.url`).
    /// - Returns: the dataset, its `reader` reading tiles through OpenSlide.
    /// - Throws: `SlideDatasetError` (layout, no pixel size, no tissue tile), `SlideError`
    ///   for a file that is not a readable slide.
    public static func load(root: URL, tiling: SlideTiling, cacheFolder: URL? = nil) throws -> Dataset {
        let (classes, slides) = try list(root: root)
        var samples: [Sample] = []
        for (path, label) in slides {
            let file = root.appendingPathComponent(path).path
            let index: SlideTileIndex
            do { index = try SlideTileIndex.load(path: file, tiling: tiling, cacheFolder: cacheFolder).index }
            catch SlideError.noMPP { throw SlideDatasetError.noMPP(file) }
            let tiles = SlideTileIndex.sample(index.tiles, count: tiling.tilesPerSlide, seed: tiling.seed, slide: path)
            samples += tiles.map { Sample(path: $0.samplePath(slide: path), label: label, group: path) }
        }
        guard !samples.isEmpty else {
            throw SlideDatasetError.noTiles(root.path, tiling: "\(tiling.tile) px at \(tiling.mpp) µm/px with tissue_threshold \(tiling.minTissue)")
        }
        return Dataset(kind: .slides, root: root, classes: classes, samples: samples,
                       reader: SlideTileReader(root: root, tile: tiling.tile))
    }

    /// Slide files below `dir`, as `prefix/…` paths, sorted.
    static func slideFiles(under dir: URL, prefix: String) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        for case let url as URL in e where SlideTiling.isSlideFile(url) && !isDirectory(url) {
            out.append(prefix + "/" + ImageFiles.relativePath(url, to: dir))
        }
        return out.sorted()
    }

    static func isDirectory(_ url: URL) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &d) && d.boolValue
    }
}

extension Dataset {
    /// Reads a dataset of any kind: image layouts as `Dataset.load(_:root:task:)`, a folder
    /// of slides tiled with `tiling` (`SlideDataset.load`). The one loader of run data.
    public static func load(_ kind: DatasetKind, root: URL, task: BreakHisTask = .binary, tiling: SlideTiling,
                            cacheFolder: URL? = nil) throws -> Dataset {
        guard kind == .slides else { return try load(kind, root: root, task: task) }
        return try SlideDataset.load(root: root, tiling: tiling, cacheFolder: cacheFolder)
    }
}
