import Foundation
import HistoData
import XCTest
import Slides

/// Folders of slides as datasets of tissue tiles: the tile grid and mask, the level read and
/// the resampling, the seeded per-slide sample, the cached tile index, the layouts and errors.
final class SlideDatasetTests: XCTestCase {
    var work: URL!
    var cache: URL!
    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-slidedata-\(UUID().uuidString)")
        cache = work.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    /// A 512 × 512 slide at 0.25 µm/px with levels at 0.5 and 1 µm/px: tissue in level-0
    /// columns 0..<`tissueWidth` (red 220 − 40·level, green 80, blue the level-0 column / 2),
    /// glass (250) elsewhere.
    func writeSlide(_ url: URL, tissueWidth: Int = 272, mpp: Double? = 0.25) throws {
        let levels = (0..<3).map { l -> RGBImage in
            let side = 512 >> l
            var img = RGBImage(width: side, height: side)
            for y in 0..<side {
                for x in 0..<side {
                    let x0 = x << l
                    let px: [UInt8] = x0 < tissueWidth ? [UInt8(220 - 40 * l), 80, UInt8(x0 / 2)] : [250, 250, 250]
                    for c in 0..<3 { img[y, x, c] = px[c] }
                }
            }
            return img
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PyramidTIFF.write(levels, micronsPerPixel: mpp, to: url)
    }

    /// Tiles of 32 px at 0.5 µm/px are 64 level-0 pixels: an 8 × 8 grid. Tissue covers four
    /// whole columns and a quarter of the fifth, so 32 tiles hold at least half tissue and 40
    /// at least a fifth; every tile kept has the mask's share, none left out has it.
    func testTilesAreTheMasksTissueTiles() throws {
        let url = work.appendingPathComponent("flat/a.tif")
        try writeSlide(url)
        let slide = try Slide(path: url.path)
        let mask = try TissueMask(slide: slide, maxSize: 1024)
        for (minTissue, expected) in [(0.5, 32), (0.2, 40)] {
            let tiling = SlideTiling(mpp: 0.5, tile: 32, minTissue: minTissue)
            let index = try SlideTileIndex.compute(slide, tiling: tiling)
            XCTAssertEqual(index.footprint, 64)
            var allowed = 0
            for y in stride(from: 0, to: 512, by: 64) {
                for x in stride(from: 0, to: 512, by: 64) where mask.fraction(x: x, y: y, width: 64, height: 64) >= minTissue { allowed += 1 }
            }
            XCTAssertEqual(index.corners.count, expected)
            XCTAssertEqual(index.corners.count, allowed)
            for t in index.tiles { XCTAssertGreaterThanOrEqual(mask.fraction(x: t.x, y: t.y, width: 64, height: 64), minTissue) }
            XCTAssertEqual(Set(index.corners.map { $0[0] }), Set(stride(from: 0, through: expected == 32 ? 192 : 256, by: 64)))
            let d = try SlideDataset.load(root: work.appendingPathComponent("flat"), tiling: tiling, cacheFolder: cache)
            XCTAssertEqual(d.samples.count, expected)
            XCTAssertEqual(d.kind, .slides)
            XCTAssertEqual(d.classes, [])
            XCTAssertTrue(d.samples.allSatisfy { $0.label == nil && $0.group == "a.tif" })
        }
    }

    /// 0.5 µm/px on a 0.25 µm/px slide reads level 1 (0.5) region for region; 0.75 reads
    /// level 1 too (the coarsest at least as fine), 48 px resized to 32; 0.4 reads level 0.
    func testLevelAndResampling() throws {
        let url = work.appendingPathComponent("flat/a.tif")
        try writeSlide(url)
        let slide = try Slide(path: url.path)
        for (mpp, level, read, footprint, red) in [(0.5, 1, 32, 64, 180), (0.75, 1, 48, 96, 180), (0.4, 0, 51, 51, 220)] {
            let index = try SlideTileIndex.compute(slide, tiling: SlideTiling(mpp: mpp, tile: 32, minTissue: 0.9))
            XCTAssertEqual(index.level, level, "\(mpp)")
            XCTAssertEqual(index.readSize, read, "\(mpp)")
            XCTAssertEqual(index.footprint, footprint, "\(mpp)")
            let reader = SlideTileReader(root: work.appendingPathComponent("flat"), tile: 32)
            let second = index.tiles.first { $0.x == footprint && $0.y == 0 }!
            let image = try reader.image(of: Sample(path: second.samplePath(slide: "a.tif"), label: nil))
            XCTAssertEqual(image.width, 32)
            XCTAssertEqual(image.height, 32)
            XCTAssertEqual(Double(image[5, 5, 0]), Double(red), accuracy: 1, "\(mpp): read at level \(level)")
            // Blue is the level-0 column / 2: the tile starts at column `footprint` and spans it.
            XCTAssertEqual(Double(image[0, 0, 2]), Double(footprint / 2), accuracy: 2, "\(mpp)")
            XCTAssertEqual(Double(image[0, 31, 2]), Double((2 * footprint - 1) / 2), accuracy: 3, "\(mpp)")
        }
    }

    /// The per-slide cap draws with the seed: the same seed the same tiles, another seed others.
    func testSeededSampling() throws {
        try writeSlide(work.appendingPathComponent("flat/a.tif"))
        let root = work.appendingPathComponent("flat")
        func paths(_ seed: UInt64, _ cap: Int?) throws -> [String] {
            try SlideDataset.load(root: root, tiling: SlideTiling(mpp: 0.5, tile: 32, tilesPerSlide: cap, seed: seed), cacheFolder: cache).samples.map(\.path)
        }
        let all = try paths(0, nil)
        let a = try paths(1, 5), b = try paths(1, 5), c = try paths(2, 5)
        XCTAssertEqual(a.count, 5)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertTrue(Set(a).isSubset(of: Set(all)))
        XCTAssertEqual(a, a.sorted { all.firstIndex(of: $0)! < all.firstIndex(of: $1)! }, "kept in grid order")
        XCTAssertEqual(try paths(1, 1000), all, "a cap above the count keeps every tile")
    }

    /// The tile index is cached: the second load reads it; a changed slide is recomputed.
    func testTileIndexCache() throws {
        let url = work.appendingPathComponent("flat/a.tif")
        try writeSlide(url)
        let tiling = SlideTiling(mpp: 0.5, tile: 32)
        let first = try SlideTileIndex.load(path: url.path, tiling: tiling, cacheFolder: cache)
        XCTAssertFalse(first.cached)
        let second = try SlideTileIndex.load(path: url.path, tiling: tiling, cacheFolder: cache)
        XCTAssertTrue(second.cached)
        XCTAssertEqual(first.index, second.index)
        XCTAssertFalse(try SlideTileIndex.load(path: url.path, tiling: SlideTiling(mpp: 0.5, tile: 32, minTissue: 0.2), cacheFolder: cache).cached,
                       "another tiling is another entry")
        // The slide rewritten with more tissue (another size and time): recomputed.
        try writeSlide(url, tissueWidth: 400)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: url.path)
        let third = try SlideTileIndex.load(path: url.path, tiling: tiling, cacheFolder: cache)
        XCTAssertFalse(third.cached)
        XCTAssertEqual(third.index.corners.count, 48)
        // Found by review: an edited entry whose corner has one number trapped; it is recomputed.
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("slide-tiles").path)
        for e in entries {
            try Data(#"{"level":0,"readSize":224,"footprint":224,"corners":[[5]]}"#.utf8)
                .write(to: cache.appendingPathComponent("slide-tiles/\(e)"))
        }
        let fourth = try SlideTileIndex.load(path: url.path, tiling: tiling, cacheFolder: cache)
        XCTAssertFalse(fourth.cached)
        XCTAssertEqual(fourth.index, third.index)
        XCTAssertEqual(fourth.index.tiles.count, 48)
    }

    /// Found by review: a tiny mpp made millions of one-pixel tiles (GBs of memory, no
    /// warning); the grid is refused as `csit slide predict` refuses it, naming the slide.
    func testUnreadableGridsAreRefused() throws {
        let url = work.appendingPathComponent("flat/a.tif")
        try writeSlide(url)
        XCTAssertThrowsError(try SlideTileIndex.load(path: url.path, tiling: SlideTiling(mpp: 0.01, tile: 8, minTissue: 0), cacheFolder: cache)) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(url.path): a 8 px tile at 0.01 µm/px is read from 0.32 px of level 0"), "\(e)")
        }
    }

    /// Class folders label their slides; the bundled Aperio SVS (a link) tiles beside a
    /// generic TIFF; each tile's pixels are OpenSlide's at level 0 (0.499 µm/px → 0.5).
    func testClassFoldersWithTheBundledSVS() throws {
        let root = work.appendingPathComponent("labeled")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tumor"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("tumor/cmu.svs").path, withDestinationPath: SlideTests.bundled)
        try writeSlide(root.appendingPathComponent("normal/sub/a.tif"))
        let d = try Dataset.load(.slides, root: root, tiling: SlideTiling(mpp: 0.5, tile: 64), cacheFolder: cache)
        XCTAssertEqual(d.classes, ["normal", "tumor"])
        XCTAssertEqual(Set(d.samples.map(\.group)), ["normal/sub/a.tif", "tumor/cmu.svs"])
        for s in d.samples { XCTAssertEqual(s.label, s.group.hasPrefix("tumor") ? 1 : 0) }
        let svsTiles = d.samples.filter { $0.group == "tumor/cmu.svs" }
        XCTAssertGreaterThan(svsTiles.count, 100)
        XCTAssertLessThan(svsTiles.count, (2220 / 64) * (2967 / 64), "glass is left out")
        let s = try XCTUnwrap(svsTiles.dropFirst(svsTiles.count / 2).first)
        let (_, t) = try XCTUnwrap(SlideTile.parse(s.path))
        XCTAssertEqual(t.level, 0)
        XCTAssertEqual(t.size, 64)   // 64 · 0.5 / 0.499 = 64.1
        let tile = try d.image(of: s)
        let direct = try Slide(path: SlideTests.bundled).readRegion(x: t.x, y: t.y, level: 0, width: 64, height: 64)
        XCTAssertEqual(tile, direct)
        // Through the training loader with the image cache: the same pixels, twice.
        let data = TrainingData(dataset: d, indices: Array(d.samples.indices), imageSize: 32, batchSize: 4, seed: 0,
                                cache: ImageCache(capacityBytes: 1 << 24))
        let v1 = try data.sslViews(epoch: 0, step: 0, order: data.order(epoch: 0)).views
        let v2 = try data.sslViews(epoch: 0, step: 0, order: data.order(epoch: 0)).views
        XCTAssertEqual(v1.shape, [8, 3, 32, 32])
        XCTAssertEqual(v1.scalars, v2.scalars)
    }

    func testErrorsNameTheFile() throws {
        let tiling = SlideTiling(mpp: 0.5, tile: 32)
        let empty = work.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("tumor"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: empty.appendingPathComponent("tumor/readme.txt"))
        XCTAssertThrowsError(try SlideDataset.load(root: empty, tiling: tiling, cacheFolder: cache)) {
            XCTAssertEqual($0 as? SlideDatasetError, .noSlides(empty.path))
        }
        let missing = work.appendingPathComponent("none")
        XCTAssertThrowsError(try SlideDataset.load(root: missing, tiling: tiling, cacheFolder: cache)) {
            XCTAssertEqual($0 as? SlideDatasetError, .notAFolder(missing.path))
        }
        let text = work.appendingPathComponent("text/notes.svs")
        try FileManager.default.createDirectory(at: text.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not a slide\n".utf8).write(to: text)
        XCTAssertThrowsError(try SlideDataset.load(root: text.deletingLastPathComponent(), tiling: tiling, cacheFolder: cache)) {
            XCTAssertEqual($0 as? SlideError, .notASlide(path: text.path))
        }
        let nompp = work.appendingPathComponent("nompp/a.tif")
        try writeSlide(nompp, mpp: nil)
        XCTAssertThrowsError(try SlideDataset.load(root: nompp.deletingLastPathComponent(), tiling: tiling, cacheFolder: cache)) {
            XCTAssertEqual($0 as? SlideDatasetError, .noMPP(nompp.path))
            XCTAssertTrue("\($0)".contains("a.tif: the slide records no microns per pixel"), "\($0)")
        }
        let mixed = work.appendingPathComponent("mixed")
        try writeSlide(mixed.appendingPathComponent("loose.tif"))
        try writeSlide(mixed.appendingPathComponent("tumor/a.tif"))
        XCTAssertThrowsError(try SlideDataset.load(root: mixed, tiling: tiling, cacheFolder: cache)) {
            XCTAssertEqual($0 as? SlideDatasetError, .mixedLayout(mixed.path, loose: ["loose.tif"]))
        }
        let glass = work.appendingPathComponent("glass/a.tif")
        try writeSlide(glass, tissueWidth: 0)
        XCTAssertThrowsError(try SlideDataset.load(root: glass.deletingLastPathComponent(), tiling: tiling, cacheFolder: cache)) {
            XCTAssertTrue($0 is SlideDatasetError, "\($0)")
        }
        XCTAssertThrowsError(try Dataset.load(.slides, root: mixed)) { XCTAssertEqual($0 as? DatasetError, .needsTiling(mixed.path)) }
        XCTAssertThrowsError(try SlideTileReader(root: work, tile: 32).image(of: Sample(path: "a.tif", label: nil))) {
            XCTAssertEqual($0 as? SlideDatasetError, .badSample(work.appendingPathComponent("a.tif").path))
        }
    }

    /// At most `maxOpen` slides stay open.
    func testReaderKeepsABoundedSetOfSlidesOpen() throws {
        let root = work.appendingPathComponent("many")
        for i in 0..<3 { try writeSlide(root.appendingPathComponent("s\(i).tif")) }
        let reader = SlideTileReader(root: root, tile: 32, maxOpen: 2)
        for i in 0..<3 { _ = try reader.image(of: Sample(path: SlideTile(x: 0, y: 0, level: 1, size: 32).samplePath(slide: "s\(i).tif"), label: nil)) }
        XCTAssertEqual(reader.openCount, 2)
    }
}
