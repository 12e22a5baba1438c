/// Why a slide could not be opened or read; every case names the file.
public enum SlideError: Error, CustomStringConvertible, Equatable {
    /// No file at the path.
    case missing(path: String)
    /// A file OpenSlide does not recognise as any slide format it reads.
    case notASlide(path: String)
    /// A file in a slide format (a TIFF header, or one OpenSlide recognised) that cannot be
    /// read: truncated or damaged. `reason` is OpenSlide's message when it gave one.
    case damaged(path: String, reason: String)
    /// The slide records no pixel size (no `openslide.mpp-x/y`, no TIFF resolution tags).
    case noMPP(path: String)
    /// A recorded pixel size no microscope scans at (a TIFF's 72 dpi default, a bad tag).
    case implausibleMPP(path: String, mpp: Double)
    /// A region or level outside the slide.
    case badRegion(path: String, reason: String)

    public var description: String { "\(path): \(reason)" }

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missing(let p), .notASlide(let p), .damaged(let p, _), .noMPP(let p), .implausibleMPP(let p, _), .badRegion(let p, _): return p
        }
    }

    /// What is wrong, without the path.
    public var reason: String {
        switch self {
        case .missing: return "no such file"
        case .notASlide:
            return "not a slide OpenSlide can read (expected Aperio SVS, Hamamatsu NDPI/VMS, MIRAX, Leica SCN, Philips TIFF, Ventana BIF, Sakura SVSLIDE or a generic tiled TIFF)"
        case let .damaged(_, r): return "truncated or damaged slide: \(r)"
        case .noMPP: return "the slide records no microns per pixel (no openslide.mpp-x/y or TIFF resolution); give it with --slide-mpp"
        case let .implausibleMPP(_, m):
            return "the slide records \(m) µm per pixel; expected 0.01 to 1000 (csit slide predict takes the right one with --slide-mpp)"
        case let .badRegion(_, r): return r
        }
    }
}
