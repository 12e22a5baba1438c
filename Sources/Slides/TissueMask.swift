import HistoData

/// Where a slide has tissue, found on a thumbnail: HSV saturation thresholded by Otsu's
/// method (as histolab's and TIAToolbox's tissue maskers do): glass is grey-white (low
/// saturation), stained tissue is coloured.
public struct TissueMask: Equatable, Sendable {
    /// Mask size in thumbnail pixels.
    public let width: Int
    public let height: Int
    /// Row-major, true where tissue (`[H, W]`).
    public let tissue: [Bool]
    /// Saturation (0…255) above which a pixel is tissue.
    public let threshold: Int
    /// Level-0 pixels per mask pixel, horizontally and vertically.
    public let scaleX: Double
    public let scaleY: Double
    /// Prefix sums of `tissue` (`[H + 1, W + 1]`), for area counts in constant time.
    let integral: [Int32]

    /// The mask of `thumbnail`, a picture of a `slideWidth × slideHeight` level-0 slide.
    /// `minimumThreshold` keeps faint noise on empty glass from counting as tissue when
    /// Otsu splits a histogram with no tissue in it.
    public init(thumbnail: RGBImage, slideWidth: Int, slideHeight: Int, minimumThreshold: Int = 20) {
        let s = TissueMask.saturation(thumbnail)
        let t = max(minimumThreshold, TissueMask.otsu(s))
        self.init(tissue: s.map { Int($0) > t }, width: thumbnail.width, height: thumbnail.height, threshold: t,
                  scaleX: Double(slideWidth) / Double(thumbnail.width), scaleY: Double(slideHeight) / Double(thumbnail.height))
    }

    /// The mask of `slide`'s thumbnail whose longer side is `maxSize` pixels.
    public init(slide: Slide, maxSize: Int = 1024, minimumThreshold: Int = 20) throws {
        let thumb = try slide.thumbnail(maxSize: maxSize)
        self.init(thumbnail: thumb, slideWidth: slide.dimensions.width, slideHeight: slide.dimensions.height,
                  minimumThreshold: minimumThreshold)
    }

    /// A mask given pixel by pixel.
    public init(tissue: [Bool], width: Int, height: Int, threshold: Int, scaleX: Double, scaleY: Double) {
        precondition(tissue.count == width * height, "\(tissue.count) mask values for \(width)×\(height)")
        (self.tissue, self.width, self.height, self.threshold, self.scaleX, self.scaleY) = (tissue, width, height, threshold, scaleX, scaleY)
        var sums = [Int32](repeating: 0, count: (width + 1) * (height + 1))
        for y in 0..<height {
            var row: Int32 = 0
            for x in 0..<width {
                row += tissue[y * width + x] ? 1 : 0
                sums[(y + 1) * (width + 1) + x + 1] = sums[y * (width + 1) + x + 1] + row
            }
        }
        integral = sums
    }

    /// Number of tissue pixels in the mask.
    public var tissuePixels: Int { Int(integral.last ?? 0) }

    /// Share of the mask that is tissue, 0…1.
    public var tissueFraction: Double { Double(tissuePixels) / Double(max(1, width * height)) }

    /// Share of the level-0 rectangle (`x`, `y`, `width`, `height`) that is tissue: the
    /// tissue share of the mask pixels it touches (0 outside the mask).
    public func fraction(x: Int, y: Int, width w: Int, height h: Int) -> Double {
        let c0 = max(0, Int((Double(x) / scaleX).rounded(.down))), c1 = min(width, Int((Double(x + w) / scaleX).rounded(.up)))
        let r0 = max(0, Int((Double(y) / scaleY).rounded(.down))), r1 = min(height, Int((Double(y + h) / scaleY).rounded(.up)))
        guard c1 > c0, r1 > r0 else { return 0 }
        let W = width + 1
        let n = integral[r1 * W + c1] - integral[r0 * W + c1] - integral[r1 * W + c0] + integral[r0 * W + c0]
        return Double(n) / Double((c1 - c0) * (r1 - r0))
    }

    /// HSV saturation, `(max − min) / max` scaled to 0…255 (0 for black), per pixel (`[H, W]`).
    public static func saturation(_ image: RGBImage) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<out.count {
                let r = Int(px[3 * i]), g = Int(px[3 * i + 1]), b = Int(px[3 * i + 2])
                let hi = max(r, g, b), lo = min(r, g, b)
                out[i] = hi == 0 ? 0 : UInt8((255 * (hi - lo) + hi / 2) / hi)
            }
        }
        return out
    }

    /// Otsu's threshold of 8-bit values: the `t` maximising the between-class variance of
    /// `{v ≤ t}` and `{v > t}` (the lowest such `t` on ties; 0 for constant input).
    public static func otsu(_ values: [UInt8]) -> Int {
        var hist = [Int](repeating: 0, count: 256)
        for v in values { hist[Int(v)] += 1 }
        let total = Double(values.count)
        let sumAll = (0..<256).reduce(0.0) { $0 + Double($1 * hist[$1]) }
        var wB = 0.0, sumB = 0.0, best = -1.0, threshold = 0
        for t in 0..<256 {
            wB += Double(hist[t])
            let wF = total - wB
            if wB == 0 { continue }
            if wF == 0 { break }
            sumB += Double(t * hist[t])
            let mB = sumB / wB, mF = (sumAll - sumB) / wF
            let between = wB * wF * (mB - mF) * (mB - mF)
            if between > best { best = between; threshold = t }
        }
        return threshold
    }
}
