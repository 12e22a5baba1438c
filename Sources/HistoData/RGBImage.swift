/// An 8-bit RGB image, row-major, channels interleaved (`[H, W, 3]`).
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// - Precondition: `pixels.count == width · height · 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "\(pixels.count) bytes for \(width)×\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// The channel `c` value at row `y`, column `x`.
    @inline(__always) public subscript(y: Int, x: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * 3 + c] }
        set { pixels[(y * width + x) * 3 + c] = newValue }
    }

    /// The pixels of `[top, top + h) × [left, left + w)`.
    public func cropped(top: Int, left: Int, height h: Int, width w: Int) -> RGBImage {
        precondition(top >= 0 && left >= 0 && top + h <= height && left + w <= width,
                     "crop \(top),\(left) \(h)×\(w) outside \(height)×\(width)")
        var out = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<h {
                    let s = ((top + r) * width + left) * 3
                    for i in 0..<(w * 3) { dst[r * w * 3 + i] = src[s + i] }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
