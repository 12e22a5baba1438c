import Foundation
import HistoData

/// An RGB drawing surface for report pictures: rectangles, anti-aliasing-free lines and
/// bitmap text, written to PNG through `ImageEncoder`.
public struct Canvas {
    public typealias Color = (UInt8, UInt8, UInt8)
    public static let white: Color = (255, 255, 255), black: Color = (0, 0, 0), grey: Color = (150, 150, 150)
    public static let lightGrey: Color = (225, 225, 225)
    /// Distinguishable line colours (Tableau 10).
    public static let palette: [Color] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                                          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]

    public private(set) var image: RGBImage

    public init(width: Int, height: Int, background: Color = white) {
        image = RGBImage(width: width, height: height)
        for p in 0..<(width * height) { (image.pixels[3 * p], image.pixels[3 * p + 1], image.pixels[3 * p + 2]) = background }
    }

    public var width: Int { image.width }
    public var height: Int { image.height }

    @inline(__always) public mutating func set(_ x: Int, _ y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = (y * image.width + x) * 3
        (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) = c
    }

    /// Fills the part of the rectangle that lies on the canvas (none when it lies outside).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        let (y0, y1) = (Swift.max(0, y), Swift.min(image.height, y &+ Swift.max(h, 0)))
        let (x0, x1) = (Swift.max(0, x), Swift.min(image.width, x &+ Swift.max(w, 0)))
        guard y0 < y1, x0 < x1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(xx, yy, c) } }
    }

    public mutating func rect(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        line(x, y, x + w - 1, y, c); line(x, y + h - 1, x + w - 1, y + h - 1, c)
        line(x, y, x, y + h - 1, c); line(x + w - 1, y, x + w - 1, y + h - 1, c)
    }

    /// A dash pattern: `on` pixels drawn, then `off` skipped, along the line.
    public struct Dash: Equatable, Sendable {
        public var on: Int, off: Int
        public init(on: Int, off: Int) { (self.on, self.off) = (Swift.max(1, on), Swift.max(0, off)) }
        /// Solid, dashed, dotted, long-dashed: told apart where curves overlap.
        public static let styles: [Dash?] = [nil, Dash(on: 10, off: 6), Dash(on: 3, off: 4), Dash(on: 18, off: 5)]
    }

    /// A line of the given thickness (Bresenham, thickened with a square brush).
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Color, thickness: Int = 1) {
        var phase = 0
        line(x0, y0, x1, y1, c, thickness: thickness, dash: nil, phase: &phase)
    }

    /// Connected segments through `points`, the dash pattern running on across corners.
    public mutating func polyline(_ points: [(x: Int, y: Int)], _ c: Color, thickness: Int = 1, dash: Dash? = nil) {
        var phase = 0
        for (a, b) in zip(points, points.dropFirst()) { line(a.x, a.y, b.x, b.y, c, thickness: thickness, dash: dash, phase: &phase) }
    }

    /// A line, dashed when `dash` is given; `phase` counts the pixels stepped so far.
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Color, thickness: Int, dash: Dash?, phase: inout Int) {
        // Endpoints far off the canvas are clipped to the segment's visible part first, so a
        // wild coordinate costs no more steps than the canvas has pixels.
        guard let (x0, y0, x1, y1) = clip(x0, y0, x1, y1, margin: thickness) else { return }
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let r = thickness / 2
        while true {
            let visible = dash.map { phase % ($0.on + $0.off) < $0.on } ?? true
            phase += 1
            if visible { for oy in -r...(thickness - 1 - r) { for ox in -r...(thickness - 1 - r) { set(x + ox, y + oy, c) } } }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// The part of the segment inside the canvas grown by `margin` (Liang–Barsky), nil when
    /// none of it is.
    func clip(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, margin: Int) -> (Int, Int, Int, Int)? {
        let (lo, hiX, hiY) = (Double(-margin), Double(width + margin), Double(height + margin))
        let (ax, ay, dx, dy) = (Double(x0), Double(y0), Double(x1) - Double(x0), Double(y1) - Double(y0))
        var (t0, t1) = (0.0, 1.0)
        for (p, q) in [(-dx, ax - lo), (dx, hiX - ax), (-dy, ay - lo), (dy, hiY - ay)] {
            if p == 0 { if q < 0 { return nil }; continue }
            let r = q / p
            if p < 0 { t0 = Swift.max(t0, r) } else { t1 = Swift.min(t1, r) }
            if t0 > t1 { return nil }
        }
        return (Int((ax + t0 * dx).rounded()), Int((ay + t0 * dy).rounded()), Int((ax + t1 * dx).rounded()), Int((ay + t1 * dy).rounded()))
    }

    /// Width in pixels of `text` at `scale`.
    public static func textWidth(_ text: String, scale: Int = 2) -> Int { text.count * (BitmapFont.width + 1) * scale }
    public static func textHeight(scale: Int = 2) -> Int { BitmapFont.height * scale }

    /// Draws `text` with its top-left corner at (x, y); `anchor` shifts it horizontally.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 2, _ c: Color = black, anchor: Anchor = .left) {
        var cx = x
        switch anchor {
        case .left: break
        case .center: cx -= Self.textWidth(text, scale: scale) / 2
        case .right: cx -= Self.textWidth(text, scale: scale)
        }
        for ch in text {
            for (col, bits) in BitmapFont.columns(ch).enumerated() {
                for row in 0..<BitmapFont.height where bits & (1 << row) != 0 {
                    fill(x: cx + col * scale, y: y + row * scale, width: scale, height: scale, c)
                }
            }
            cx += (BitmapFont.width + 1) * scale
        }
    }

    public enum Anchor { case left, center, right }

    /// Draws `text` turned 90° counter-clockwise (read bottom to top), its baseline end at
    /// (x, y): the first character sits lowest.
    public mutating func verticalText(_ text: String, x: Int, y: Int, scale: Int = 2, _ c: Color = black) {
        var cy = y
        for ch in text {
            for (col, bits) in BitmapFont.columns(ch).enumerated() {
                for row in 0..<BitmapFont.height where bits & (1 << row) != 0 {
                    fill(x: x + row * scale, y: cy - col * scale - scale, width: scale, height: scale, c)
                }
            }
            cy -= (BitmapFont.width + 1) * scale
        }
    }

    /// Copies `source` with its top-left at (x, y), scaled up by `zoom`.
    public mutating func draw(_ source: RGBImage, x: Int, y: Int, zoom: Int = 1) {
        for yy in 0..<(source.height * zoom) { for xx in 0..<(source.width * zoom) {
            let i = ((yy / zoom) * source.width + xx / zoom) * 3
            set(x + xx, y + yy, (source.pixels[i], source.pixels[i + 1], source.pixels[i + 2]))
        } }
    }

    public func writePNG(to url: URL) throws { try ImageEncoder.writePNG(image, to: url) }
}
