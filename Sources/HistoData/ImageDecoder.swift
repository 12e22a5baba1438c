import CImageShims
import CPNG
import Foundation

/// Decodes PNG (libpng's simplified API), JPEG (libjpeg-turbo) and TIFF (libtiff:
/// strips, tiles, JPEG-compressed tiles) files to 8-bit RGB. Gray, gray+alpha, RGBA,
/// palette and 16-bit inputs are converted; alpha is dropped.
public enum ImageDecoder {
    /// File formats recognised by their first bytes.
    public enum Format: String, Sendable { case png = "PNG", jpeg = "JPEG", tiff = "TIFF" }

    /// The most pixels an image may have: checked from its header before any pixel buffer
    /// is allocated, so a 200-byte file claiming 20000 × 20000 fails at once. 64 MP by
    /// default (8000 × 8000; patches are far smaller); `CSIT_MAX_IMAGE_PIXELS` changes it.
    /// Whole slides go through the slide reader instead.
    public static let maxPixels: Int = {
        if let s = ProcessInfo.processInfo.environment["CSIT_MAX_IMAGE_PIXELS"], let n = Int(s), n > 0 { return n }
        return 64_000_000
    }()

    /// File extensions treated as images when scanning folders.
    public static let extensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "svs"]

    /// The format of `bytes`, from its signature.
    public static func format(of bytes: Data) -> Format? {
        let b = [UInt8](bytes.prefix(4))
        if b.count >= 4 && b == [0x89, 0x50, 0x4E, 0x47] { return .png }
        if b.count >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF { return .jpeg }
        if b.count >= 4 && ((b[0] == 0x49 && b[1] == 0x49 && b[2] == 0x2A && b[3] == 0)
                            || (b[0] == 0x4D && b[1] == 0x4D && b[2] == 0 && b[3] == 0x2A)) { return .tiff }
        if b.count >= 4 && b[0] == 0x49 && b[1] == 0x49 && b[2] == 0x2B { return .tiff }   // BigTIFF
        return nil
    }

    /// Decodes the image at `url`.
    ///
    /// - Parameters:
    ///   - page: the TIFF page (directory) to read; page 0 of an SVS is the full-resolution level.
    /// - Throws: `ImageError` naming the file and the reason.
    public static func decode(_ url: URL, page: Int = 0) throws -> RGBImage {
        let path = url.path
        let bytes: Data
        do { bytes = try Data(contentsOf: url, options: .mappedIfSafe) }
        catch { throw ImageError.unreadable(path: path, reason: (error as NSError).localizedDescription) }
        guard !bytes.isEmpty else { throw ImageError.empty(path: path) }
        switch format(of: bytes) {
        case .png: return try decodePNG(bytes, path: path)
        case .jpeg: return try decodeJPEG(bytes, path: path)
        case .tiff: return try decodeTIFF(path: path, page: page)
        case nil: throw ImageError.unsupportedFormat(path: path)
        }
    }

    static func decodePNG(_ bytes: Data, path: String) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        func message() -> String {
            withUnsafeBytes(of: image.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        let ok = bytes.withUnsafeBytes { raw in png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) }
        guard ok != 0 else { throw ImageError.corrupt(path: path, format: "PNG", reason: message()) }
        let (w, h) = (Int(image.width), Int(image.height))
        guard w * h <= maxPixels else {
            png_image_free(&image)
            throw ImageError.tooLarge(path: path, width: w, height: h, limit: maxPixels)
        }
        // 16-bit files: asking for 8-bit output would make libpng treat the samples as
        // linear light and re-encode them to sRGB; read them as they are and scale by 1/257.
        let sixteen = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        image.format = UInt32(sixteen ? PNG_FORMAT_LINEAR_RGB : PNG_FORMAT_RGB)
        // A white background for transparent pixels, as slide scanners' exports expect.
        var background = png_color(red: 255, green: 255, blue: 255)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var done: Int32
        if sixteen {
            var wide = [UInt16](repeating: 0, count: w * h * 3)
            done = wide.withUnsafeMutableBytes { png_image_finish_read(&image, &background, $0.baseAddress, 0, nil) }
            for i in 0..<wide.count { pixels[i] = UInt8((UInt32(wide[i]) * 255 + 32767) / 65535) }
        } else {
            done = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, &background, $0.baseAddress, 0, nil) }
        }
        guard done != 0 else {
            let m = message()
            png_image_free(&image)
            throw ImageError.corrupt(path: path, format: "PNG", reason: m)
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    static func decodeJPEG(_ bytes: Data, path: String) throws -> RGBImage {
        var out: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBytes { raw in
            csit_jpeg_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &out, &w, &h, Int64(maxPixels), &err, err.count)
        }
        if rc == 2 { throw ImageError.tooLarge(path: path, width: Int(w), height: Int(h), limit: maxPixels) }
        guard rc == 0, let out else {
            throw ImageError.corrupt(path: path, format: "JPEG", reason: String(cString: err))
        }
        defer { free(out) }
        return RGBImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: out, count: Int(w * h * 3))))
    }

    static func decodeTIFF(path: String, page: Int) throws -> RGBImage {
        var out: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0, pages: Int32 = 0
        var err = [CChar](repeating: 0, count: 512)
        let rc = csit_tiff_decode(path, Int32(page), &out, &w, &h, &pages, Int64(maxPixels), &err, err.count)
        if rc == 2 { throw ImageError.tooLarge(path: path, width: Int(w), height: Int(h), limit: maxPixels) }
        guard rc == 0, let out else {
            throw ImageError.corrupt(path: path, format: "TIFF", reason: String(cString: err))
        }
        defer { free(out) }
        return RGBImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: out, count: Int(w) * Int(h) * 3)))
    }
}
