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
}
