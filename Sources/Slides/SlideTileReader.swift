import Foundation
import HistoData

/// Reads the tiles of a slides dataset (`SampleReader`): each sample names its slide and
/// tile (`SlideTile.samplePath`), read through OpenSlide and resized to the tile side.
///
/// Slides stay open between reads, at most `maxOpen` at a time (the least recently used is
/// closed first); reads are thread-safe (OpenSlide's are, and the table of open slides is
/// locked).
public final class SlideTileReader: SampleReader, @unchecked Sendable {
    /// The dataset root sample paths are relative to.
    public let root: URL
    /// The side of every tile returned.
    public let tile: Int
    /// The most slides kept open.
    public let maxOpen: Int

    private var open: [String: Slide] = [:]
    private var recent: [String] = []
    private let lock = NSLock()

    public init(root: URL, tile: Int, maxOpen: Int = 32) {
        (self.root, self.tile, self.maxOpen) = (root, tile, max(1, maxOpen))
    }

    /// The tile a sample names, `tile × tile` RGB.
    ///
    /// - Throws: `SlideDatasetError.badSample` for a path that names no tile, `SlideError`
    ///   when the slide cannot be read.
    public func image(of sample: Sample) throws -> RGBImage {
        guard let (path, t) = SlideTile.parse(sample.path) else {
            throw SlideDatasetError.badSample(root.appendingPathComponent(sample.path).path)
        }
        let region: RGBImage
        do { region = try slide(path).readRegion(x: t.x, y: t.y, level: t.level, width: t.size, height: t.size) } catch SlideError.damaged(let p, let r) {
            // OpenSlide's error sticks to the handle: the next read opens the slide afresh.
            forget(path)
            throw SlideError.damaged(path: p, reason: r)
        }
        return t.size == tile ? region : ImageTransforms.resizeBicubic(region, width: tile, height: tile)
    }

    /// Closes the slide at `path` (when the last read holding it ends).
    func forget(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        open[path] = nil
        recent.removeAll { $0 == path }
    }

    /// Slides open now (for tests of the bound).
    public var openCount: Int { lock.lock(); defer { lock.unlock() }; return open.count }

    /// The open slide at `path` (relative to the root), opened now when it is not.
    func slide(_ path: String) throws -> Slide {
        lock.lock()
        if let s = open[path] {
            recent.removeAll { $0 == path }
            recent.append(path)
            lock.unlock()
            return s
        }
        lock.unlock()
        let s = try Slide(path: root.appendingPathComponent(path).path)
        lock.lock()
        defer { lock.unlock() }
        if let other = open[path] { return other }
        open[path] = s
        recent.append(path)
        while open.count > maxOpen, let oldest = recent.first {
            recent.removeFirst()
            open[oldest] = nil   // closed when the last read holding it ends
        }
        return s
    }
}
