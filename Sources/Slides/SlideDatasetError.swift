import Foundation

/// A folder of slides that cannot be tiled; every case names the folder or file.
public enum SlideDatasetError: Error, CustomStringConvertible, Equatable {
    /// The root is not a readable folder.
    case notAFolder(String)
    /// No slide files anywhere under the root.
    case noSlides(String)
    /// Slides directly in a root that also has class folders.
    case mixedLayout(String, loose: [String])
    /// A slide that records no pixel size, so no tile can be cut at a given mpp.
    case noMPP(String)
    /// Every slide gave no tissue tile.
    case noTiles(String, tiling: String)
    /// A sample path that names no tile (`<slide>@<x>,<y>,<level>,<size>`).
    case badSample(String)

    public var description: String {
        switch self {
        case .notAFolder(let p): return "\(p): not a readable folder"
        case .noSlides(let p):
            return "\(p): no slides found; expected slide files (\(SlideTiling.slideExtensions.sorted().map { "." + $0 }.joined(separator: " "))) in root/<class>/ or directly in root (unlabeled)"
        case let .mixedLayout(p, loose):
            return "\(p): slides both in class folders and directly in the root (\(loose.prefix(3).joined(separator: ", "))); put every slide in a class folder, or none"
        case .noMPP(let p):
            return "\(p): the slide records no microns per pixel (no openslide.mpp-x/y or TIFF resolution), so no tile can be cut at mpp; convert it with its pixel size or leave it out"
        case let .noTiles(p, t): return "\(p): no slide has a tissue tile at \(t); lower tissue_threshold or tile"
        case .badSample(let p): return "\(p): not a slide tile (expected <slide>@<x>,<y>,<level>,<size>)"
        }
    }
}
