import TensorKit
import Foundation

/// The bundled real-tissue sample set: tiles of two CC0 / unrestricted histology images
/// (data/sample), an unlabeled patch set for SSL and a small labeled tissue set whose
/// labels come from a fixed colour rule (documented in `label(for:source:)`).
public struct SampleSet {
    /// Where a tile came from.
    public enum Source: String, Sendable { case he = "he", ihc = "ihc" }

    /// One tile with its position and statistics.
    public struct Tile {
        public var source: Source
        public var row: Int, column: Int
        public var image: RGBImage
        public var stats: TissueStats
        public var name: String { "\(source.rawValue)_r\(String(format: "%03d", row))_c\(String(format: "%03d", column)).png" }
    }

    /// The labeled classes, in label order.
    public static let classes = ["background", "dermis", "epidermis", "ihc"]

    public var tileSize: Int
    /// At most this many background tiles are labeled (evenly spaced over the slide), so
    /// glass does not swamp the three tissue classes.
    public var maxBackground = 120
    /// The H&E slide (Aperio SVS; page 0 is used at native resolution).
    public var heSlide: URL
    /// The IHC image (PNG).
    public var ihcImage: URL
    /// Reads the H&E slide's level-0 pixels. `csit data sample` reads it through OpenSlide
    /// (the Slides module, which HistoData cannot import); the default is HistoData's own
    /// TIFF decoder, which gives the same pixels for the bundled slide (a test compares them).
    public var slideReader: @Sendable (URL) throws -> RGBImage = { try ImageDecoder.decode($0) }

    public init(tileSize: Int, heSlide: URL, ihcImage: URL) {
        (self.tileSize, self.heSlide, self.ihcImage) = (tileSize, heSlide, ihcImage)
    }

    /// The two source images in the repository's `data/sample`.
    public static func bundled(tileSize: Int, repositoryRoot: URL) -> SampleSet {
        let dir = repositoryRoot.appendingPathComponent("data/sample")
        return SampleSet(tileSize: tileSize, heSlide: dir.appendingPathComponent("cmu_small_region.svs"),
                         ihcImage: dir.appendingPathComponent("skimage_ihc.png"))
    }

    /// Non-overlapping tiles of both images, row-major.
    public func tiles() throws -> [Tile] {
        var out: [Tile] = []
        for (source, url) in [(Source.he, heSlide), (.ihc, ihcImage)] {
            let image = try source == .he ? slideReader(url) : ImageDecoder.decode(url)
            for r in 0..<(image.height / tileSize) {
                for c in 0..<(image.width / tileSize) {
                    let t = image.cropped(top: r * tileSize, left: c * tileSize, height: tileSize, width: tileSize)
                    out.append(Tile(source: source, row: r, column: c, image: t, stats: TissueStats(t)))
                }
            }
        }
        return out
    }

    /// The labelling rule, from colour statistics alone (reproducible, checked by eye on
    /// the contact sheets):
    /// - IHC image: `ihc` when at least 60 % of the tile is tissue, otherwise unlabeled.
    /// - H&E slide: `background` below 5 % tissue; tiles with 5–90 % tissue are mixed and
    ///   left unlabeled; full tissue tiles are `epidermis` when the hematoxylin density is
    ///   high (≥ 0.40, nuclei-dense keratinocyte layers) and `dermis` when it is low
    ///   (≤ 0.22, collagen-dominated stroma); in between stays unlabeled.
    public static func label(for stats: TissueStats, source: Source) -> String? {
        switch source {
        case .ihc:
            return stats.tissueFraction >= 0.6 ? "ihc" : nil
        case .he:
            if stats.tissueFraction < 0.05 { return "background" }
            if stats.tissueFraction < 0.9 { return nil }
            if stats.hematoxylin >= 0.40 { return "epidermis" }
            if stats.hematoxylin <= 0.22 { return "dermis" }
            return nil
        }
    }

    /// What `build` wrote.
    public struct Summary: Equatable, Sendable {
        public var unlabeled: Int
        public var perClass: [String: Int]
    }

    /// Writes `output/unlabeled/*.png` (every tile with at least 5 % tissue),
    /// `output/labeled/<class>/*.png`, `output/labels.csv` (every tile's statistics and
    /// label) and one contact sheet per class, `output/contact_<class>.png`.
    @discardableResult
    public func build(output: URL) throws -> Summary {
        let fm = FileManager.default
        try fm.createDirectory(at: output.appendingPathComponent("unlabeled"), withIntermediateDirectories: true)
        for c in Self.classes { try fm.createDirectory(at: output.appendingPathComponent("labeled/\(c)"), withIntermediateDirectories: true) }
        var csv = "tile,source,row,column,tissue_fraction,hematoxylin,eosin,dab,label\n"
        var byClass: [String: [RGBImage]] = [:]
        var unlabeled = 0
        let all = try tiles()
        let background = all.filter { Self.label(for: $0.stats, source: $0.source) == "background" }.count
        let keepEvery = Swift.max(1, (background + maxBackground - 1) / maxBackground)
        var backgroundSeen = 0
        for t in all {
            var label = Self.label(for: t.stats, source: t.source)
            if label == "background" {
                if backgroundSeen % keepEvery != 0 { label = nil }
                backgroundSeen += 1
            }
            if t.stats.tissueFraction >= 0.05 {
                try ImageEncoder.writePNG(t.image, to: output.appendingPathComponent("unlabeled/\(t.name)"))
                unlabeled += 1
            }
            if let label {
                try ImageEncoder.writePNG(t.image, to: output.appendingPathComponent("labeled/\(label)/\(t.name)"))
                byClass[label, default: []].append(t.image)
            }
            csv += [t.name, t.source.rawValue, String(t.row), String(t.column),
                    String(format: "%.4f", t.stats.tissueFraction), String(format: "%.4f", t.stats.hematoxylin),
                    String(format: "%.4f", t.stats.eosin), String(format: "%.4f", t.stats.dab), label ?? ""].joined(separator: ",") + "\n"
        }
        try AtomicFileWriter.write(csv, to: output.appendingPathComponent("labels.csv"))
        for c in Self.classes {
            try ImageEncoder.writePNG(Self.contactSheet(byClass[c] ?? [], tile: tileSize),
                                      to: output.appendingPathComponent("contact_\(c).png"))
        }
        return Summary(unlabeled: unlabeled, perClass: byClass.mapValues(\.count))
    }

    /// Up to 64 tiles, evenly spaced through `images`, on an 8-column grid with white gutters.
    public static func contactSheet(_ images: [RGBImage], tile: Int, columns: Int = 8, maximum: Int = 64) -> RGBImage {
        let picks = images.isEmpty ? [] : (0..<Swift.min(maximum, images.count)).map { images[$0 * images.count / Swift.min(maximum, images.count)] }
        let rows = Swift.max(1, (picks.count + columns - 1) / columns), gap = 4
        var sheet = RGBImage(width: columns * (tile + gap) + gap, height: rows * (tile + gap) + gap)
        sheet.pixels = [UInt8](repeating: 255, count: sheet.pixels.count)
        for (k, im) in picks.enumerated() {
            let (r, c) = (k / columns, k % columns)
            for y in 0..<tile { for x in 0..<tile { for ch in 0..<3 {
                sheet[gap + r * (tile + gap) + y, gap + c * (tile + gap) + x, ch] = im[y, x, ch]
            } } }
        }
        return sheet
    }
}

/// Text files written atomically.
enum AtomicFileWriter {
    static func write(_ text: String, to url: URL) throws { try TensorKit.AtomicFile.write(Data(text.utf8), to: url) }
}
