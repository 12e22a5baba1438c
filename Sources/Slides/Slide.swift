import COpenSlide
import Foundation
import HistoData

/// A whole-slide image opened through OpenSlide: its pyramid, pixel size and metadata.
///
/// Reads are thread-safe (OpenSlide's are); the handle is closed when the last reference
/// goes away.
public final class Slide: @unchecked Sendable {
    /// The path as given.
    public let path: String
    /// OpenSlide's vendor name (`aperio`, `hamamatsu`, `mirax`, `leica`, `philips`, `generic-tiff`, …).
    public let vendor: String
    /// The pyramid, finest first.
    public let levels: [SlideLevel]
    /// Microns per level-0 pixel, horizontally and vertically: `openslide.mpp-x/y`, else the
    /// TIFF resolution tags (OpenSlide 3.4.1 gives no mpp for generic TIFF); nil when neither.
    public let mppX: Double?
    public let mppY: Double?
    /// Scanner objective magnification (`openslide.objective-power`), nil when unrecorded.
    public let objectivePower: Double?
    /// Names of the associated images (`label`, `macro`, `thumbnail`, …), sorted.
    public let associatedImages: [String]
    /// Every property OpenSlide reports.
    public let properties: [String: String]

    let handle: OpaquePointer

    /// Opens the slide at `path`.
    ///
    /// - Throws: `SlideError.missing`, `.notASlide` for a file OpenSlide does not recognise,
    ///   `.damaged` for a truncated or damaged slide file.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw SlideError.missing(path: path) }
        guard let osr = openslide_open(path) else {
            // OpenSlide answers NULL for a format it does not recognise, and for a TIFF whose
            // directory is cut off: a TIFF header says the file was meant to be a slide.
            if Slide.hasTIFFHeader(path) {
                throw SlideError.damaged(path: path, reason: "a TIFF file whose directories OpenSlide cannot read (cut short?)")
            }
            throw SlideError.notASlide(path: path)
        }
        if let err = openslide_get_error(osr) {
            let message = String(cString: err)
            openslide_close(osr)
            throw SlideError.damaged(path: path, reason: message)
        }
        handle = osr
        var props: [String: String] = [:]
        if var names = openslide_get_property_names(osr) {
            while let name = names.pointee {
                let key = String(cString: name)
                if let v = openslide_get_property_value(osr, name) { props[key] = String(cString: v) }
                names += 1
            }
        }
        properties = props
        vendor = props["openslide.vendor"] ?? "unknown"
        var lv: [SlideLevel] = []
        for l in 0..<Int32(max(0, openslide_get_level_count(osr))) {
            var w: Int64 = 0, h: Int64 = 0
            openslide_get_level_dimensions(osr, l, &w, &h)
            lv.append(SlideLevel(width: Int(w), height: Int(h), downsample: openslide_get_level_downsample(osr, l)))
        }
        levels = lv
        let fallback = Slide.tiffMPP(props)
        mppX = props["openslide.mpp-x"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? fallback?.x
        mppY = props["openslide.mpp-y"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? fallback?.y
        objectivePower = props["openslide.objective-power"].flatMap(Double.init)
        var assoc: [String] = []
        if var names = openslide_get_associated_image_names(osr) {
            while let name = names.pointee { assoc.append(String(cString: name)); names += 1 }
        }
        associatedImages = assoc.sorted()
        if lv.isEmpty || lv[0].width <= 0 || lv[0].height <= 0 {
            throw SlideError.damaged(path: path, reason: "no levels with pixels")
        }
    }

    deinit { openslide_close(handle) }

    /// Level-0 width and height.
    public var dimensions: (width: Int, height: Int) { (levels[0].width, levels[0].height) }

    /// Microns per level-0 pixel (the mean of x and y).
    ///
    /// - Throws: `SlideError.noMPP` when none is recorded, `.implausibleMPP` for one outside
    ///   0.01…1000 µm/px (every tile grid is computed from it).
    public func mpp() throws -> Double {
        guard let x = mppX, let y = mppY else { throw SlideError.noMPP(path: path) }
        let m = (x + y) / 2
        guard m.isFinite, (0.01...1000).contains(m) else { throw SlideError.implausibleMPP(path: path, mpp: m) }
        return m
    }

    /// OpenSlide's current error for this handle (a read failed), nil when none.
    func lastError() -> String? { openslide_get_error(handle).map { String(cString: $0) } }

    /// Microns per pixel from `tiff.XResolution`/`tiff.YResolution` and `tiff.ResolutionUnit`
    /// (pixels per inch or per centimetre); nil without a unit of length.
    public static func tiffMPP(_ props: [String: String]) -> (x: Double, y: Double)? {
        let micronsPerUnit: Double
        switch props["tiff.ResolutionUnit"] {
        case "inch": micronsPerUnit = 25_400
        case "centimeter": micronsPerUnit = 10_000
        default: return nil
        }
        guard let rx = props["tiff.XResolution"].flatMap(Double.init), rx > 0 else { return nil }
        let ry = props["tiff.YResolution"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? rx
        return (micronsPerUnit / rx, micronsPerUnit / ry)
    }

    /// Whether the file starts with a classic or BigTIFF header.
    static func hasTIFFHeader(_ path: String) -> Bool {
        guard let fh = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? fh.close() }
        let b = [UInt8]((try? fh.read(upToCount: 4)) ?? Data())
        guard b.count == 4 else { return false }
        return (b[0] == 0x49 && b[1] == 0x49 && (b[2] == 42 || b[2] == 43) && b[3] == 0)
            || (b[0] == 0x4D && b[1] == 0x4D && b[2] == 0 && (b[3] == 42 || b[3] == 43))
    }
}
