import COpenSlide
import Foundation
import HistoData

extension Slide {
    /// The pixels of a `width × height` region of `level`, its top-left corner at level-0
    /// coordinates (`x`, `y`), as RGB composited over white (OpenSlide gives premultiplied
    /// ARGB; pixels outside the scanned area are transparent, hence white). `[H, W, 3]`.
    ///
    /// - Throws: `SlideError.badRegion` for a level or size out of range, `.damaged` when
    ///   OpenSlide fails to decode the region (a truncated file).
    public func readRegion(x: Int, y: Int, level: Int, width: Int, height: Int) throws -> RGBImage {
        guard levels.indices.contains(level) else {
            throw SlideError.badRegion(path: path, reason: "level \(level) outside 0…\(levels.count - 1)")
        }
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            throw SlideError.badRegion(path: path, reason: "region \(width) × \(height): expected 1 to 2^28 pixels")
        }
        var argb = [UInt32](repeating: 0, count: width * height)
        argb.withUnsafeMutableBufferPointer { buf in
            openslide_read_region(handle, buf.baseAddress, Int64(x), Int64(y), Int32(level), Int64(width), Int64(height))
        }
        if let err = lastError() { throw SlideError.damaged(path: path, reason: err) }
        return Slide.overWhite(argb, width: width, height: height)
    }

    /// The whole slide shrunk so that its longer side is `maxSize` pixels (aspect kept; never
    /// enlarged), each pixel the mean of the level-0 area it covers as seen at the coarsest
    /// level no smaller than the thumbnail. Read a few rows at a time, so memory stays at a
    /// band of that level whatever the slide's size.
    public func thumbnail(maxSize: Int) throws -> RGBImage {
        let (W, H) = dimensions
        let scale = max(1, Double(max(W, H)) / Double(max(1, maxSize)))
        let tw = max(1, Int((Double(W) / scale).rounded())), th = max(1, Int((Double(H) / scale).rounded()))
        let level = levels.indices.last { levels[$0].downsample <= scale + 1e-9 } ?? 0
        let L = levels[level]
        let sx = Double(L.width) / Double(tw), sy = Double(L.height) / Double(th)
        var out = [UInt8](repeating: 255, count: tw * th * 3)
        let x0 = (0...tw).map { min(L.width, Int((Double($0) * sx).rounded(.down))) }
        for ty in 0..<th {
            let r0 = Int((Double(ty) * sy).rounded(.down)), r1 = max(r0 + 1, min(L.height, Int((Double(ty + 1) * sy).rounded(.down))))
            let band = try readRegion(x: 0, y: Int((Double(r0) * L.downsample).rounded(.down)), level: level,
                                      width: L.width, height: r1 - r0)
            band.pixels.withUnsafeBufferPointer { px in
                for tx in 0..<tw {
                    let c0 = x0[tx], c1 = max(c0 + 1, x0[tx + 1])
                    var sum = (0, 0, 0)
                    for r in 0..<(r1 - r0) {
                        for c in c0..<min(c1, L.width) {
                            let i = (r * L.width + c) * 3
                            sum.0 += Int(px[i]); sum.1 += Int(px[i + 1]); sum.2 += Int(px[i + 2])
                        }
                    }
                    let n = max(1, (r1 - r0) * (min(c1, L.width) - c0))
                    let o = (ty * tw + tx) * 3
                    out[o] = UInt8((sum.0 + n / 2) / n); out[o + 1] = UInt8((sum.1 + n / 2) / n); out[o + 2] = UInt8((sum.2 + n / 2) / n)
                }
            }
        }
        return RGBImage(width: tw, height: th, pixels: out)
    }

    /// The associated image `name` (one of `associatedImages`) as RGB over white.
    public func associatedImage(_ name: String) throws -> RGBImage {
        guard associatedImages.contains(name) else {
            throw SlideError.badRegion(path: path, reason: "no associated image \"\(name)\" (has: \(associatedImages.joined(separator: ", ")))")
        }
        var w: Int64 = 0, h: Int64 = 0
        openslide_get_associated_image_dimensions(handle, name, &w, &h)
        var argb = [UInt32](repeating: 0, count: Int(w * h))
        argb.withUnsafeMutableBufferPointer { openslide_read_associated_image(handle, name, $0.baseAddress) }
        if let err = lastError() { throw SlideError.damaged(path: path, reason: err) }
        return Slide.overWhite(argb, width: Int(w), height: Int(h))
    }

    /// The level to read for a target resolution of `targetMPP` µm/px, given level-0 `mpp`:
    /// the coarsest level at least as fine as the target (as TIAToolbox reads), within 1 %
    /// (0.499 µm/px counts as 0.5); the read is then resampled down to the target. Level 0
    /// when even it is coarser than the target (then resampling enlarges).
    public func level(forMPP targetMPP: Double, mpp: Double) -> Int {
        levels.indices.last { mpp * levels[$0].downsample <= targetMPP * 1.01 } ?? 0
    }

    /// Premultiplied ARGB (OpenSlide's pixels) composited over white, as RGB `[H, W, 3]`.
    static func overWhite(_ argb: [UInt32], width: Int, height: Int) -> RGBImage {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        argb.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    let p = src[i]
                    let white = 255 - (p >> 24)   // premultiplied: over white adds (1 − α)·255
                    dst[3 * i] = UInt8(min(255, ((p >> 16) & 0xFF) + white))
                    dst[3 * i + 1] = UInt8(min(255, ((p >> 8) & 0xFF) + white))
                    dst[3 * i + 2] = UInt8(min(255, (p & 0xFF) + white))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }
}
