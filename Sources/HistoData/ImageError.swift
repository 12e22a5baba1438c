/// Why an image file could not be read; every case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case unsupportedFormat(path: String)
    case corrupt(path: String, format: String, reason: String)
    /// More pixels than `ImageDecoder.maxPixels`, known from the header alone.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read the file: \(r)"
        case .empty(let p): return "\(p): the file is empty (0 bytes)"
        case .unsupportedFormat(let p): return "\(p): not a PNG, JPEG or TIFF image (unrecognised header)"
        case let .corrupt(p, f, r): return "\(p): corrupt or truncated \(f): \(r)"
        case let .tooLarge(p, w, h, limit):
            return "\(p): \(w) × \(h) pixels is more than the \(limit) an image may have (raise CSIT_MAX_IMAGE_PIXELS to read it)"
        }
    }
}
