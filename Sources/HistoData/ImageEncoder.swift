import CImageShims
import CPNG
import Foundation
import TensorKit

/// Writes 8-bit RGB images as PNG through libpng's simplified API.
public enum ImageEncoder {
    /// PNG bytes of `image`.
    ///
    /// - Throws: `ImageError.corrupt` with libpng's message if encoding fails.
    public static func pngData(_ image: RGBImage) throws -> Data {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = UInt32(PNG_FORMAT_RGB)
        var size: Int = 0
        // First call sizes the buffer, second fills it.
        var ok = image.pixels.withUnsafeBytes { px in
            png_image_write_to_memory(&png, nil, &size, 0, px.baseAddress, 0, nil)
        }
        guard ok != 0, size > 0 else { throw ImageError.corrupt(path: "<memory>", format: "PNG", reason: "cannot size the encoder output") }
        var out = Data(count: size)
        ok = out.withUnsafeMutableBytes { dst in
            image.pixels.withUnsafeBytes { px in
                png_image_write_to_memory(&png, dst.baseAddress, &size, 0, px.baseAddress, 0, nil)
            }
        }
        guard ok != 0 else { throw ImageError.corrupt(path: "<memory>", format: "PNG", reason: "encoding failed") }
        return out.prefix(size)
    }

    /// Writes `image` to `url` atomically.
    public static func writePNG(_ image: RGBImage, to url: URL) throws {
        try AtomicFile.write(pngData(image), to: url)
    }

    /// Writes `image` as an uncompressed RGB TIFF (written to a temporary name, then renamed).
    public static func writeTIFF(_ image: RGBImage, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        var err = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeBufferPointer { px in
            csit_tiff_write_rgb(tmp.path, px.baseAddress, Int32(image.width), Int32(image.height), &err, err.count)
        }
        guard rc == 0, rename(tmp.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: tmp)
            throw ImageError.unreadable(path: url.path, reason: String(cString: err))
        }
    }
}
