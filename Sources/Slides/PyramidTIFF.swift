import CTIFF
import Foundation
import HistoData

/// Writes generic tiled pyramidal TIFFs as OpenSlide's `generic-tiff` reader expects them:
/// every level a tiled directory (64 × 64 tiles, uncompressed RGB), finest first. For tests
/// and benchmarks (slides of known pixel size and content); not a slide converter.
public enum PyramidTIFF {
    /// Writes `levels` (finest first) to `url`; with `micronsPerPixel`, each level carries
    /// resolution tags in pixels per centimetre for its own pixel size.
    public static func write(_ levels: [RGBImage], micronsPerPixel: Double?, to url: URL) throws {
        guard let tif = TIFFOpen(url.path, "w") else { throw SlideError.badRegion(path: url.path, reason: "cannot create the file") }
        defer { TIFFClose(tif) }
        let tile = 64
        for (l, image) in levels.enumerated() {
            func set(_ tag: Int32, _ args: [CVarArg]) { _ = withVaList(args) { TIFFVSetField(tif, UInt32(tag), $0) } }
            // OpenSlide takes tiled directories after the first as levels only when they are
            // marked reduced-resolution.
            if l > 0 { set(TIFFTAG_SUBFILETYPE, [UInt32(FILETYPE_REDUCEDIMAGE)]) }
            set(TIFFTAG_IMAGEWIDTH, [UInt32(image.width)])
            set(TIFFTAG_IMAGELENGTH, [UInt32(image.height)])
            set(TIFFTAG_TILEWIDTH, [UInt32(tile)])
            set(TIFFTAG_TILELENGTH, [UInt32(tile)])
            set(TIFFTAG_BITSPERSAMPLE, [Int32(8)])
            set(TIFFTAG_SAMPLESPERPIXEL, [Int32(3)])
            set(TIFFTAG_PHOTOMETRIC, [Int32(PHOTOMETRIC_RGB)])
            set(TIFFTAG_PLANARCONFIG, [Int32(PLANARCONFIG_CONTIG)])
            set(TIFFTAG_COMPRESSION, [Int32(COMPRESSION_NONE)])
            if let mpp = micronsPerPixel {
                let perCm = 10_000 / (mpp * Double(levels[0].width) / Double(image.width))
                set(TIFFTAG_XRESOLUTION, [perCm])
                set(TIFFTAG_YRESOLUTION, [perCm])
                set(TIFFTAG_RESOLUTIONUNIT, [Int32(RESUNIT_CENTIMETER)])
            }
            var buf = [UInt8](repeating: 0, count: tile * tile * 3)
            for ty in stride(from: 0, to: image.height, by: tile) {
                for tx in stride(from: 0, to: image.width, by: tile) {
                    for i in buf.indices { buf[i] = 0 }
                    for y in ty..<min(ty + tile, image.height) {
                        for x in tx..<min(tx + tile, image.width) {
                            for c in 0..<3 { buf[((y - ty) * tile + x - tx) * 3 + c] = image[y, x, c] }
                        }
                    }
                    let rc = buf.withUnsafeMutableBytes { TIFFWriteTile(tif, $0.baseAddress, UInt32(tx), UInt32(ty), 0, 0) }
                    guard rc >= 0 else { throw SlideError.badRegion(path: url.path, reason: "TIFFWriteTile failed at \(tx),\(ty)") }
                }
            }
            guard TIFFWriteDirectory(tif) == 1 else { throw SlideError.badRegion(path: url.path, reason: "TIFFWriteDirectory failed") }
        }
    }

    /// A test pattern for `level`: red encodes the level (200, 150, 100, …), green the
    /// column in level-0 pixels / 4 (mod 256), blue the row likewise.
    public static func pattern(width: Int, height: Int, level: Int) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        let d = 1 << level
        for y in 0..<height {
            for x in 0..<width {
                img[y, x, 0] = UInt8(200 - 50 * level)
                img[y, x, 1] = UInt8((x * d / 4) % 256)
                img[y, x, 2] = UInt8((y * d / 4) % 256)
            }
        }
        return img
    }
}
