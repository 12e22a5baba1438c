import Foundation
import HistoData

extension Slide {
    /// The whole of level 0 as RGB over white (for small slides: the bundled sample set's
    /// SVS; a scanned slide of 100k × 100k pixels would not fit `readRegion`'s 2^28 pixels).
    ///
    /// - Throws: `SlideError.badRegion` for a level 0 over 2^28 pixels, `.damaged` on a read failure.
    public func levelZero() throws -> RGBImage {
        try readRegion(x: 0, y: 0, level: 0, width: dimensions.width, height: dimensions.height)
    }
}
