import ArgumentParser
import Foundation
import Slides

/// `csit slide …`: whole-slide images through OpenSlide.
struct SlideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slide", abstract: "Whole-slide images (Aperio, Hamamatsu, MIRAX, Leica, Philips, tiled TIFF) through OpenSlide.",
        subcommands: [SlideInfoCommand.self, SlidePredictCommand.self])

    /// Opens `path`, turning `SlideError` into one line naming the file.
    static func open(_ path: String) throws -> Slide {
        do { return try Slide(path: path) } catch let e as SlideError { throw ValidationError(e.description) }
    }

    /// The slide's level-0 µm/px; `override` only for a slide that records none (a recorded
    /// one wins, and a line on stderr says the option was not used).
    static func mpp(_ slide: Slide, override: Double?) throws -> Double {
        if slide.mppX != nil, !(override != nil && (try? slide.mpp()) == nil) {
            let own = try recorded(slide)
            if let override, override != own {
                FileHandle.standardError.write(Data("\(slide.path): records \(own) µm/px; --slide-mpp \(override) is for slides that record none (not used)\n".utf8))
            }
            return own
        }
        if let override { return override }
        return try recorded(slide)
    }

    static func recorded(_ slide: Slide) throws -> Double {
        do { return try slide.mpp() } catch let e as SlideError { throw ValidationError(e.description) }
    }

    /// Checks a µm/px option: finite and within what microscopes scan (0.01 to 1000 µm/px).
    static func checkMPP(_ value: Double?, _ flag: String) throws {
        guard let m = value else { return }
        guard m.isFinite, (0.01...1000).contains(m) else {
            throw ValidationError("\(flag) \(m): expected 0.01 to 1000 µm per pixel")
        }
    }
}

/// `csit slide info SLIDE…`.
struct SlideInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print a slide's vendor, pyramid levels, microns per pixel, objective power and associated images.",
        discussion: "Example:\n  csit slide info data/sample/cmu_small_region.svs")

    @Argument(help: "Slide files.") var slides: [String]

    @Option(help: "Microns per level-0 pixel for slides that record none.") var slideMpp: Double?

    func validate() throws {
        guard !slides.isEmpty else { throw ValidationError("give one or more slide files") }
        try SlideCommand.checkMPP(slideMpp, "--slide-mpp")
    }

    func run() throws {
        for (i, path) in slides.enumerated() {
            let s = try SlideCommand.open(path)
            if i > 0 { print("") }
            print(Self.describe(s, mppOverride: slideMpp), terminator: "")
        }
    }

    /// The report for one slide.
    static func describe(_ s: Slide, mppOverride: Double?) -> String {
        func num(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%g", v) }
        var out = "\(s.path)\n  vendor: \(s.vendor)\n"
        let mpp: String
        if let x = s.mppX, let y = s.mppY {
            mpp = x == y ? "\(num(x)) µm/px" : "\(num(x)) × \(num(y)) µm/px"
        } else if let o = mppOverride {
            mpp = "\(num(o)) µm/px (given with --slide-mpp; the slide records none)"
        } else {
            mpp = "unknown (the slide records none; give it with --slide-mpp)"
        }
        out += "  microns per pixel: \(mpp)\n"
        out += "  objective power: \(s.objectivePower.map { "\(num($0))×" } ?? "unknown")\n"
        let base = s.mppX.flatMap { x in s.mppY.map { (x + $0) / 2 } } ?? mppOverride
        out += "  levels: \(s.levels.count)\n"
        for (l, v) in s.levels.enumerated() {
            out += "    \(l): \(v.width) × \(v.height)  downsample \(String(format: "%.4g", v.downsample))"
            if let b = base { out += String(format: "  %.4g µm/px", b * v.downsample) }
            out += "\n"
        }
        out += "  associated images: \(s.associatedImages.isEmpty ? "none" : s.associatedImages.joined(separator: ", "))\n"
        return out
    }
}
