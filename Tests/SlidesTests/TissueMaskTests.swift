import Foundation
import HistoData
import XCTest
import Slides

final class TissueMaskTests: XCTestCase {
    /// A hand-made thumbnail: 6 columns of glass (near-white, slightly uneven), 4 columns of
    /// eosin-pink and haematoxylin-purple tissue, 8 rows: 48 glass pixels, 32 tissue pixels.
    func testGlassAndTissueCounts() {
        var img = RGBImage(width: 10, height: 8)
        for y in 0..<8 {
            for x in 0..<10 {
                let px: [UInt8] = x < 6 ? [UInt8(236 + (x + y) % 5), 238, UInt8(240 - y % 3)]
                                        : (y % 2 == 0 ? [222, 150, 190] : [120, 70, 150])
                for c in 0..<3 { img[y, x, c] = px[c] }
            }
        }
        let m = TissueMask(thumbnail: img, slideWidth: 1000, slideHeight: 800)
        XCTAssertEqual(m.tissuePixels, 32)
        XCTAssertEqual(m.tissue.filter { !$0 }.count, 48)
        for y in 0..<8 { for x in 0..<10 { XCTAssertEqual(m.tissue[y * 10 + x], x >= 6, "(\(x), \(y))") } }
        XCTAssertEqual(m.tissueFraction, 0.4, accuracy: 1e-12)
        XCTAssertEqual(m.scaleX, 100)
        // Level-0 rectangles: all tissue, all glass, half and half.
        XCTAssertEqual(m.fraction(x: 600, y: 0, width: 400, height: 800), 1)
        XCTAssertEqual(m.fraction(x: 0, y: 0, width: 600, height: 800), 0)
        XCTAssertEqual(m.fraction(x: 400, y: 100, width: 400, height: 200), 0.5)
        XCTAssertEqual(m.fraction(x: 2000, y: 0, width: 100, height: 100), 0, "outside the slide")
    }

    func testSaturationAndOtsu() {
        let img = RGBImage(width: 4, height: 1, pixels: [255, 255, 255, 0, 0, 0, 200, 100, 100, 10, 5, 0])
        XCTAssertEqual(TissueMask.saturation(img), [0, 0, 128, 255])
        // Two clusters, 10 and 200: any t in 10..<200 separates them; the lowest is 10.
        XCTAssertEqual(TissueMask.otsu([10, 10, 10, 200, 200]), 10)
        XCTAssertEqual(TissueMask.otsu([7, 7, 7]), 0)
        XCTAssertEqual(TissueMask.otsu([0, 10, 20, 100, 110, 120]), 20)
    }

    func testEmptyGlassIsNotTissue() {
        // Faint unevenness of bare glass: Otsu splits it, the minimum threshold keeps it glass.
        var img = RGBImage(width: 16, height: 16)
        for i in 0..<(16 * 16) { img.pixels[3 * i] = 240; img.pixels[3 * i + 1] = UInt8(232 + i % 8); img.pixels[3 * i + 2] = 236 }
        XCTAssertEqual(TissueMask(thumbnail: img, slideWidth: 16, slideHeight: 16).tissuePixels, 0)
    }

    /// The bundled slide (a 2220 × 2967 region of CMU-1) is tissue with glass at the
    /// edges; the counts below were checked by eye on the thumbnail and mask (see README).
    func testBundledSlideMask() throws {
        let s = try Slide(path: SlideTests.bundled)
        let m = try TissueMask(slide: s, maxSize: 256)
        XCTAssertEqual(m.width, 192)   // 2220 / (2967 / 256) = 191.6
        XCTAssertEqual(m.height, 256)
        XCTAssertEqual(m.threshold, BundledExpectation.threshold)
        XCTAssertEqual(m.tissuePixels, BundledExpectation.tissuePixels)
        // Hand-checked boxes of the 192 × 256 thumbnail (level-0 px = mask px × 11.59):
        // glass left of the tissue, below the fibre strand; dense dermis and epidermis.
        let sx = m.scaleX, sy = m.scaleY
        func box(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Double {
            m.fraction(x: Int(Double(x0) * sx), y: Int(Double(y0) * sy), width: Int(Double(x1 - x0) * sx), height: Int(Double(y1 - y0) * sy))
        }
        XCTAssertEqual(box(0, 130, 40, 250), 0, "glass")
        XCTAssertEqual(box(150, 0, 192, 40), 0, "glass, top right")
        XCTAssertGreaterThan(box(75, 190, 95, 210), 0.8, "dermis, its palest gaps left out")
        XCTAssertGreaterThan(box(60, 230, 80, 250), 0.95, "epidermis and dermis, bottom")
    }
}

/// What the bundled slide's 256-pixel mask holds (hand-checked; see testBundledSlideMask).
enum BundledExpectation {
    /// Otsu's split of the saturation histogram (0…255).
    static let threshold = 50
    /// 31 % of 192 × 256: the tissue strip, with the paler loose dermis partly left out.
    static let tissuePixels = 15207
}
