import Foundation
import HistoData
import XCTest
import Slides

final class SlideTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundled = repo.appendingPathComponent("data/sample/cmu_small_region.svs").path

    var work: URL!
    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-slides-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    /// The values `openslide-show-properties data/sample/cmu_small_region.svs` prints.
    func testBundledSlideInfo() throws {
        let s = try Slide(path: Self.bundled)
        XCTAssertEqual(s.vendor, "aperio")
        XCTAssertEqual(s.levels, [SlideLevel(width: 2220, height: 2967, downsample: 1)])
        XCTAssertEqual(s.mppX, 0.499)
        XCTAssertEqual(s.mppY, 0.499)
        XCTAssertEqual(try s.mpp(), 0.499, accuracy: 1e-12)
        XCTAssertEqual(s.objectivePower, 20)
        XCTAssertEqual(s.properties["aperio.AppMag"], "20")
        XCTAssertEqual(s.properties["openslide.quickhash-1"], "6335ea0e6cc54c2cba64bb265d3c713a50cd84484924e3a9c109558c13521d5c")
        XCTAssertEqual(s.associatedImages, ["label", "macro", "thumbnail"])
        XCTAssertEqual(s.level(forMPP: 0.5, mpp: 0.499), 0)
    }

    /// A region read through OpenSlide matches the same pixels decoded by libtiff/libjpeg
    /// from the SVS's first page (two JPEG decoders: equal up to rounding).
    func testReadRegionMatchesLibTIFFDecode() throws {
        let s = try Slide(path: Self.bundled)
        let region = try s.readRegion(x: 1000, y: 1200, level: 0, width: 224, height: 160)
        XCTAssertEqual(region.width, 224)
        XCTAssertEqual(region.height, 160)
        let full = try ImageDecoder.decode(URL(fileURLWithPath: Self.bundled))
        XCTAssertEqual(full.width, 2220)
        let crop = full.cropped(top: 1200, left: 1000, height: 160, width: 224)
        let diff = zip(region.pixels, crop.pixels).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThan(Double(diff.reduce(0, +)) / Double(diff.count), 1.5)
        XCTAssertGreaterThan(Set(region.pixels).count, 50, "a region of tissue, not a flat fill")
        // Outside the scanned area OpenSlide gives transparent pixels: white over white.
        let outside = try s.readRegion(x: 2300, y: 3000, level: 0, width: 8, height: 8)
        XCTAssertEqual(Set(outside.pixels), [255])
    }

    func testThumbnailIsTheAreaMean() throws {
        let s = try Slide(path: Self.bundled)
        let t = try s.thumbnail(maxSize: 512)
        XCTAssertEqual(t.height, 512)
        XCTAssertEqual(t.width, 383)   // 2220 / (2967 / 512) = 383.1
        let full = try ImageDecoder.decode(URL(fileURLWithPath: Self.bundled))
        // Thumbnail pixel (100, 200) covers level-0 columns ⌊200·5.7965⌋… and rows ⌊100·5.795⌋…
        let sx = 2220.0 / 383, sy = 2967.0 / 512
        let c0 = Int(200 * sx), c1 = Int(201 * sx), r0 = Int(100 * sy), r1 = Int(101 * sy)
        for c in 0..<3 {
            var sum = 0
            for y in r0..<r1 { for x in c0..<c1 { sum += Int(full[y, x, c]) } }
            XCTAssertEqual(Double(t[100, 200, c]), Double(sum) / Double((r1 - r0) * (c1 - c0)), accuracy: 2)
        }
        XCTAssertEqual(try s.thumbnail(maxSize: 10_000).width, 2220, "never enlarged")
    }

    func testNotASlideTruncatedAndMissing() throws {
        let text = work.appendingPathComponent("notes.svs")
        try Data("not a slide\n".utf8).write(to: text)
        XCTAssertThrowsError(try Slide(path: text.path)) { XCTAssertEqual($0 as? SlideError, .notASlide(path: text.path)) }
        let png = Self.repo.appendingPathComponent("data/sample/skimage_ihc.png").path
        XCTAssertThrowsError(try Slide(path: png)) { XCTAssertEqual($0 as? SlideError, .notASlide(path: png)) }
        let missing = work.appendingPathComponent("none.svs").path
        XCTAssertThrowsError(try Slide(path: missing)) { XCTAssertEqual($0 as? SlideError, .missing(path: missing)) }
        for keep in [200_000, 1_200_000] {
            let cut = work.appendingPathComponent("cut-\(keep).svs")
            try Data(try Data(contentsOf: URL(fileURLWithPath: Self.bundled)).prefix(keep)).write(to: cut)
            XCTAssertThrowsError(try { () throws -> Void in
                let s = try Slide(path: cut.path)
                _ = try s.thumbnail(maxSize: 256)
            }()) { error in
                guard case .damaged(let p, _)? = error as? SlideError else { return XCTFail("\(keep): \(error)") }
                XCTAssertEqual(p, cut.path)
                XCTAssertTrue("\(error)".hasPrefix("\(cut.path): truncated or damaged slide"), "\(error)")
            }
        }
    }

    /// A three-level tiled TIFF at 0.25 µm/px: levels, mpp from the TIFF tags, level choice.
    func testGenericPyramidalTIFF() throws {
        let url = work.appendingPathComponent("pyramid.tif")
        let levels = (0..<3).map { PyramidTIFF.pattern(width: 1024 >> $0, height: 768 >> $0, level: $0) }
        try PyramidTIFF.write(levels, micronsPerPixel: 0.25, to: url)
        let s = try Slide(path: url.path)
        XCTAssertEqual(s.vendor, "generic-tiff")
        XCTAssertEqual(s.levels, [SlideLevel(width: 1024, height: 768, downsample: 1),
                                  SlideLevel(width: 512, height: 384, downsample: 2),
                                  SlideLevel(width: 256, height: 192, downsample: 4)])
        // OpenSlide 3.4.1 gives generic TIFF no openslide.mpp-x (checked): it comes from tiff.XResolution.
        XCTAssertEqual(s.properties["tiff.ResolutionUnit"], "centimeter")
        XCTAssertEqual(try XCTUnwrap(s.mppX), 0.25, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(s.mppY), 0.25, accuracy: 1e-6)
        XCTAssertNil(s.objectivePower)
        XCTAssertEqual(s.level(forMPP: 0.5, mpp: 0.25), 1)
        XCTAssertEqual(s.level(forMPP: 0.7, mpp: 0.25), 1, "coarsest level at least as fine as the target")
        XCTAssertEqual(s.level(forMPP: 1.0, mpp: 0.25), 2)
        XCTAssertEqual(s.level(forMPP: 4.0, mpp: 0.25), 2)
        XCTAssertEqual(s.level(forMPP: 0.1, mpp: 0.25), 0)
        // Level 1 pixel (10, 20) sits at level-0 (20, 40): red 150 marks level 1.
        let r = try s.readRegion(x: 40, y: 80, level: 1, width: 4, height: 4)
        XCTAssertEqual(r[0, 0, 0], 150)
        XCTAssertEqual(r[0, 0, 1], UInt8(20 * 2 / 4))
        XCTAssertEqual(r[0, 0, 2], UInt8(40 * 2 / 4))
        XCTAssertEqual(try s.readRegion(x: 0, y: 0, level: 2, width: 2, height: 2)[0, 0, 0], 100)
    }

    func testTIFFWithoutResolutionHasNoMPP() throws {
        let url = work.appendingPathComponent("nompp.tif")
        try PyramidTIFF.write([PyramidTIFF.pattern(width: 256, height: 256, level: 0)], micronsPerPixel: nil, to: url)
        let s = try Slide(path: url.path)
        XCTAssertNil(s.mppX)
        XCTAssertThrowsError(try s.mpp()) { XCTAssertEqual($0 as? SlideError, .noMPP(path: url.path)) }
        XCTAssertTrue(SlideError.noMPP(path: url.path).description.contains("--slide-mpp"))
    }

    /// A pixel size no scanner records (a bad resolution tag) is an error naming the slide,
    /// not a grid of zero-sized tiles (whose count trapped).
    func testImplausiblePixelSizeIsAnError() throws {
        let url = work.appendingPathComponent("huge.tif")
        try PyramidTIFF.write([PyramidTIFF.pattern(width: 64, height: 64, level: 0)], micronsPerPixel: 5000, to: url)
        let s = try Slide(path: url.path)
        let recorded = try XCTUnwrap(s.mppX)
        XCTAssertEqual(recorded, 5000, accuracy: 1)
        XCTAssertThrowsError(try s.mpp()) { e in
            XCTAssertEqual(e as? SlideError, .implausibleMPP(path: url.path, mpp: (recorded + s.mppY!) / 2))
            XCTAssertTrue("\(e)".hasPrefix("\(url.path): the slide records "), "\(e)")
        }
        XCTAssertThrowsError(try SlideTileIndex.compute(s, tiling: SlideTiling(mpp: 0.5, tile: 32, minTissue: 0.5)))
    }

    func testTIFFResolutionFallback() {
        XCTAssertNil(Slide.tiffMPP(["tiff.XResolution": "20000"]))
        XCTAssertNil(Slide.tiffMPP(["tiff.XResolution": "20000", "tiff.ResolutionUnit": "none"]))
        let cm = Slide.tiffMPP(["tiff.XResolution": "20000", "tiff.ResolutionUnit": "centimeter"])
        XCTAssertEqual(cm?.x ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(cm?.y ?? 0, 0.5, accuracy: 1e-12)
        let inch = Slide.tiffMPP(["tiff.XResolution": "50800", "tiff.YResolution": "25400", "tiff.ResolutionUnit": "inch"])
        XCTAssertEqual(inch?.x ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(inch?.y ?? 0, 1.0, accuracy: 1e-12)
    }
}
