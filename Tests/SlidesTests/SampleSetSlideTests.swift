import Foundation
import HistoData
import XCTest
import Slides

/// The bundled sample set reads its SVS through OpenSlide (`csit data sample`); HistoData's
/// own TIFF decoder stays its default. The two give the same level-0 pixels, so the set and
/// the demo's run ids are unchanged.
final class SampleSetSlideTests: XCTestCase {
    func testOpenSlideGivesTheDecodersPixels() throws {
        let url = URL(fileURLWithPath: SlideTests.bundled)
        let viaOpenSlide = try Slide(path: url.path).levelZero()
        let viaLibTIFF = try ImageDecoder.decode(url)
        XCTAssertEqual(viaOpenSlide.width, viaLibTIFF.width)
        XCTAssertEqual(viaOpenSlide.height, viaLibTIFF.height)
        let differing = zip(viaOpenSlide.pixels, viaLibTIFF.pixels).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "channel values that differ of \(viaLibTIFF.pixels.count)")
    }

    /// The set built through OpenSlide equals the set built with the decoder, tile for tile.
    func testSampleSetTilesThroughOpenSlide() throws {
        let base = SampleSet.bundled(tileSize: 64, repositoryRoot: SlideTests.repo)
        var viaSlide = base
        viaSlide.slideReader = { try Slide(path: $0.path).levelZero() }
        let a = try base.tiles(), b = try viaSlide.tiles()
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(a.map(\.name), b.map(\.name))
        XCTAssertEqual(zip(a, b).filter { $0.image != $1.image }.count, 0)
    }
}
