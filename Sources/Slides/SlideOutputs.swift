import Evaluation
import Foundation
import HistoData
import TensorKit

/// What a finished slide prediction writes beside `tiles.csv`: the class map, its overlay on
/// the thumbnail, `summary.json` and GeoJSON tile polygons for QuPath.
public struct SlideOutputs {
    /// One classified tile as read back from `tiles.csv`.
    public struct Tile: Equatable, Sendable {
        public let x: Int, y: Int, pred: Int
        public let probabilities: [Float]
    }

    public let grid: TileGrid
    public let classes: [String]
    public let tiles: [Tile]

    /// Parses `tiles.csv` rows (x and y first, pred sixth, the probabilities last).
    ///
    /// - Throws: `TilesFileError.foreign` naming `file` and the row for a field that is not
    ///   a number or a class index out of range (a file edited by hand).
    public init(grid: TileGrid, classes: [String], rows: [String], file: String) throws {
        (self.grid, self.classes) = (grid, classes)
        tiles = try rows.enumerated().map { i, row in
            let f = row.split(separator: ",", omittingEmptySubsequences: false)
            let probs = f.suffix(classes.count).compactMap { Float($0) }
            guard f.count >= 7 + classes.count, let x = Int(f[0]), let y = Int(f[1]), let pred = Int(f[5]),
                  classes.indices.contains(pred), probs.count == classes.count else {
                throw TilesFileError.foreign(path: file, reason: "row \(i + 2) is not x,y,level,mpp,tissue,pred,pred_name and \(classes.count) probabilities")
            }
            return Tile(x: x, y: y, pred: pred, probabilities: probs)
        }
    }

    /// Class colours: the plots' palette, in label order.
    public static func color(_ k: Int) -> Canvas.Color { Canvas.palette[k % Canvas.palette.count] }

    /// Grid cell of a tile.
    func cell(_ t: Tile) -> (column: Int, row: Int) {
        let step = Double(grid.stride) * grid.scale
        return (Int((Double(t.x) / step).rounded()), Int((Double(t.y) / step).rounded()))
    }

    /// The class map: one pixel per grid cell (`columns × rows`), a class's colour where a
    /// tile was classified, white elsewhere.
    public func map() -> RGBImage {
        var img = RGBImage(width: max(1, grid.columns), height: max(1, grid.rows), pixels: [UInt8](repeating: 255, count: max(1, grid.columns) * max(1, grid.rows) * 3))
        for t in tiles {
            let (c, r) = cell(t), k = Self.color(t.pred)
            (img[r, c, 0], img[r, c, 1], img[r, c, 2]) = (k.0, k.1, k.2)
        }
        return img
    }

    /// The thumbnail with each classified tile's area tinted by its class (half and half),
    /// above a legend of class colours, names and tile shares.
    public func overlay(thumbnail: RGBImage) -> RGBImage {
        var tinted = thumbnail
        let sx = Double(grid.slideWidth) / Double(thumbnail.width), sy = Double(grid.slideHeight) / Double(thumbnail.height)
        // A tile's own area when tiles are apart (stride > tile), its stride cell otherwise.
        let side = Double(min(grid.stride, grid.tile)) * grid.scale
        for t in tiles {
            let k = Self.color(t.pred), kc = [k.0, k.1, k.2]
            let x0 = Int(Double(t.x) / sx), x1 = min(thumbnail.width, Int((Double(t.x) + side) / sx))
            let y0 = Int(Double(t.y) / sy), y1 = min(thumbnail.height, Int((Double(t.y) + side) / sy))
            for y in y0..<max(y0, y1) { for x in x0..<max(x0, x1) { for c in 0..<3 {
                tinted[y, x, c] = UInt8((Int(tinted[y, x, c]) + Int(kc[c]) + 1) / 2)
            } } }
        }
        let counts = classCounts(), total = max(1, tiles.count)
        let line = 22, legendHeight = 12 + line * classes.count
        let legendWidth = (classes.indices.map { Canvas.textWidth("\(classes[$0])  \(percent(counts[$0], total))") }.max() ?? 0) + 44
        var canvas = Canvas(width: max(thumbnail.width, legendWidth), height: thumbnail.height + legendHeight)
        canvas.draw(tinted, x: 0, y: 0)
        for k in classes.indices {
            let y = thumbnail.height + 8 + k * line
            canvas.fill(x: 8, y: y, width: 24, height: 16, Self.color(k))
            canvas.text("\(classes[k])  \(percent(counts[k], total))", x: 40, y: y + 1)
        }
        return canvas.image
    }

    func percent(_ n: Int, _ total: Int) -> String { String(format: "%.1f%%", 100 * Double(n) / Double(total)) }

    /// Tiles per class, in label order.
    public func classCounts() -> [Int] {
        var n = [Int](repeating: 0, count: classes.count)
        for t in tiles { n[t.pred] += 1 }
        return n
    }

    /// `summary.json`: areas in mm² (a tile counts for its `stride × stride` cell, or its own
    /// `tile × tile` area when tiles lie apart), counts
    /// and the settings that define the grid.
    public func summary(slide: Slide, mask: TissueMask, tissueTiles: Int) -> [String: Any] {
        let mm2PerMaskPixel = mask.scaleX * mask.scaleY * grid.mpp * grid.mpp / 1e6
        let cellMM2 = pow(Double(min(grid.stride, grid.tile)) * grid.targetMPP, 2) / 1e6
        let counts = classCounts()
        var perClass: [String: Any] = [:]
        for (k, name) in classes.enumerated() {
            perClass[name] = ["tiles": counts[k], "area_mm2": round6(Double(counts[k]) * cellMM2),
                              "fraction": round6(Double(counts[k]) / Double(max(1, tiles.count))),
                              "color": [Self.color(k).0, Self.color(k).1, Self.color(k).2].map(Int.init)]
        }
        return ["slide": slide.path, "vendor": slide.vendor, "slide_mpp": grid.mpp, "target_mpp": grid.targetMPP,
                "level": grid.level, "level_downsample": grid.downsample, "tile": grid.tile, "stride": grid.stride,
                "grid": ["columns": grid.columns, "rows": grid.rows],
                "tiles": ["grid": grid.count, "tissue": tissueTiles, "classified": tiles.count],
                "tissue_area_mm2": round6(Double(mask.tissuePixels) * mm2PerMaskPixel),
                "classified_area_mm2": round6(Double(tiles.count) * cellMM2),
                "tissue_threshold_saturation": mask.threshold,
                "classes": classes, "per_class": perClass]
    }

    func round6(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }

    /// GeoJSON FeatureCollection of tile squares in level-0 pixel coordinates, as QuPath's
    /// File › Import objects reads them: detections with a classification (name, colour),
    /// and the probabilities as measurements (also `class` and `probability` properties).
    public func geoJSON() throws -> Data {
        let side = grid.level0Size
        let features: [[String: Any]] = tiles.map { t in
            let ring = [[t.x, t.y], [t.x + side, t.y], [t.x + side, t.y + side], [t.x, t.y + side], [t.x, t.y]]
            let k = Self.color(t.pred)
            var measurements: [String: Double] = [:]
            for (i, name) in classes.enumerated() { measurements["prob_\(name)"] = round6(Double(t.probabilities[i])) }
            return ["type": "Feature", "geometry": ["type": "Polygon", "coordinates": [ring]],
                    "properties": ["objectType": "detection", "isLocked": true,
                                   "classification": ["name": classes[t.pred], "color": [Int(k.0), Int(k.1), Int(k.2)]],
                                   "class": classes[t.pred], "probability": round6(Double(t.probabilities[t.pred])),
                                   "measurements": measurements] as [String: Any]]
        }
        return try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features],
                                          options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Writes `map.png`, `overlay.png`, `summary.json` and `tiles.geojson` into `folder`,
    /// each atomically.
    public func write(to folder: URL, slide: Slide, mask: TissueMask, thumbnail: RGBImage, tissueTiles: Int) throws {
        try ImageEncoder.writePNG(map(), to: folder.appendingPathComponent("map.png"))
        try ImageEncoder.writePNG(overlay(thumbnail: thumbnail), to: folder.appendingPathComponent("overlay.png"))
        let summaryData = try JSONSerialization.data(withJSONObject: summary(slide: slide, mask: mask, tissueTiles: tissueTiles),
                                                     options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(summaryData + Data("\n".utf8), to: folder.appendingPathComponent("summary.json"))
        try AtomicFile.write(geoJSON(), to: folder.appendingPathComponent("tiles.geojson"))
    }
}
