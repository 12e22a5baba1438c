/// Why an image file could not be read; every case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case unsupportedFormat(path: String)
    case corrupt(path: String, format: String, reason: String)
    /// More pixels than `ImageDecoder.maxPixels`, known from the header alone.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)

    public var description: String { "\(path): \(reason)" }

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let p, _), .empty(let p), .unsupportedFormat(let p), .corrupt(let p, _, _), .tooLarge(let p, _, _, _): return p
        }
    }

    /// What is wrong with the file, without its path.
    public var reason: String {
        switch self {
        case let .unreadable(_, r): return "cannot read the file: \(r)"
        case .empty: return "the file is empty (0 bytes)"
        case .unsupportedFormat: return "not a PNG, JPEG or TIFF image (unrecognised header)"
        case let .corrupt(_, f, r): return "corrupt or truncated \(f): \(r)"
        case let .tooLarge(_, w, h, limit):
            return "\(w) × \(h) pixels is more than the \(limit) an image may have (raise CSIT_MAX_IMAGE_PIXELS to read it)"
        }
    }
}
