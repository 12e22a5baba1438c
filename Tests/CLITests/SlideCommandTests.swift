import Foundation
import HistoData
import Slides
import XCTest

/// `csit slide info` and `csit slide predict` end to end, on the bundled slide and on
/// pyramidal TIFFs written here, with a one-epoch model trained on the NCT fixture.
final class SlideCommandTests: XCTestCase {
    static let work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-slide-cli-\(getpid())")
    static let bundled = "data/sample/cmu_small_region.svs"
    static let classes = ["ADI", "BACK", "DEB", "LYM", "MUC", "MUS", "NORM", "STR", "TUM"]

    /// A fine-tuned csit-tiny (32 px) checkpoint: one epoch on the NCT-CRC-layout fixture.
    static let model: Result<String, Error> = Result {
        let out = work.appendingPathComponent("model")
        let (status, text) = try CLIRunner.run(["train", "--mode", "ft", "--dataset", "nct", "--data", "Tests/HistoDataTests/Fixtures/nct",
                                                "--preset", "csit-tiny", "--image-size", "32", "--token-stride", "8", "--epochs", "1",
                                                "--batch-size", "8", "--warmup-epochs", "0", "--validation", "0", "--output", out.path])
        guard status == 0 else { throw NSError(domain: "train", code: Int(status), userInfo: [NSLocalizedDescriptionKey: text]) }
        return out.appendingPathComponent("model.safetensors").path
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: work) }

    func testInfoOfTheBundledSlide() throws {
        let (status, out) = try CLIRunner.run(["slide", "info", Self.bundled])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(out, """
        data/sample/cmu_small_region.svs
          vendor: aperio
          microns per pixel: 0.499 µm/px
          objective power: 20×
          levels: 1
            0: 2220 × 2967  downsample 1  0.499 µm/px
          associated images: label, macro, thumbnail

        """)
    }

    func testInfoAndPredictErrorsAreOneLineNamingTheFile() throws {
        let dir = Self.work.appendingPathComponent("errors")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cut = dir.appendingPathComponent("cut.svs")
        try Data(try Data(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent(Self.bundled)).prefix(200_000)).write(to: cut)
        let noMPP = dir.appendingPathComponent("nompp.tif")
        try PyramidTIFF.write([PyramidTIFF.pattern(width: 256, height: 256, level: 0)], micronsPerPixel: nil, to: noMPP)
        let png = "data/sample/skimage_ihc.png"
        for (args, expected) in [
            (["slide", "info", png], "\(png): not a slide OpenSlide can read"),
            (["slide", "info", cut.path], "\(cut.path): truncated or damaged slide"),
            (["slide", "info", "nowhere.svs"], "nowhere.svs: no such file"),
            (["slide", "predict", noMPP.path, "--checkpoint", "nowhere.safetensors", "--output", dir.path],
             "\(noMPP.path): the slide records no microns per pixel"),
        ] {
            let (status, out) = try CLIRunner.run(args)
            XCTAssertNotEqual(status, 0, out)
            XCTAssertTrue(out.hasPrefix("Error: \(expected)"), "\(args): \(out)")
            XCTAssertFalse(out.contains("Fatal error"), out)
        }
        let (status, out) = try CLIRunner.run(["slide", "info", noMPP.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("microns per pixel: unknown (the slide records none; give it with --slide-mpp)"), out)
        XCTAssertTrue(out.contains("vendor: generic-tiff"), out)
        let (s2, o2) = try CLIRunner.run(["slide", "info", noMPP.path, "--slide-mpp", "0.25"])
        XCTAssertEqual(s2, 0, o2)
        XCTAssertTrue(o2.contains("0: 256 × 256  downsample 1  0.25 µm/px"), o2)
    }

    /// Reads `folder/tiles.csv` as header and rows.
    func tiles(_ folder: URL) throws -> (header: [String], rows: [[String]]) {
        let lines = try String(contentsOf: folder.appendingPathComponent("tiles.csv"), encoding: .utf8).split(separator: "\n")
        return (lines[0].split(separator: ",").map(String.init), lines.dropFirst().map { $0.split(separator: ",").map(String.init) })
    }

    func testPredictTheBundledSlideAndResume() throws {
        let model = try Self.model.get()
        let args = ["slide", "predict", Self.bundled, "--checkpoint", model, "--tile", "224", "--batch", "16"]
        let full = Self.work.appendingPathComponent("full")
        var (status, out) = try CLIRunner.run(args + ["--output", full.path])
        XCTAssertEqual(status, 0, out)
        let folder = full.appendingPathComponent("cmu_small_region")
        let (header, rows) = try tiles(folder)
        XCTAssertEqual(header, ["x", "y", "level", "mpp", "tissue", "pred", "pred_name"] + Self.classes.map { "prob_\($0)" })
        // 2220 × 2967 px at 0.499 µm/px is 2215.6 × 2961.1 px at 0.5: 9 × 13 tiles of 224.
        let map = try ImageDecoder.decode(folder.appendingPathComponent("map.png"))
        XCTAssertEqual([map.width, map.height], [9, 13])
        XCTAssertEqual(rows.count, BundledSlideTiles.tissue)
        var cells = Set<[Int]>()
        for r in rows {
            let p = r.suffix(9).map { Double($0)! }
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-5)
            let pred = Int(r[5])!
            XCTAssertEqual(p.indices.max { p[$0] < p[$1] }, pred)
            XCTAssertEqual(r[6], Self.classes[pred])
            XCTAssertEqual(r[2], "0")
            XCTAssertEqual(r[3], "0.5000")
            XCTAssertGreaterThanOrEqual(Double(r[4])!, 0.5)
            let x = Int(r[0])!, y = Int(r[1])!
            let (c, row) = (Int((Double(x) / (224 * 0.5 / 0.499)).rounded()), Int((Double(y) / (224 * 0.5 / 0.499)).rounded()))
            cells.insert([c, row])
            // The map pixel of the tile has the class colour; glass cells stay white.
            let k = SlideOutputs.color(pred)
            XCTAssertEqual([map[row, c, 0], map[row, c, 1], map[row, c, 2]], [k.0, k.1, k.2])
        }
        XCTAssertEqual(cells.count, rows.count)
        let white = (0..<13).flatMap { r in (0..<9).map { [$0, r] } }.filter { !cells.contains($0) }
        XCTAssertEqual(white.count, 117 - rows.count)
        for w in white { XCTAssertEqual(map[w[1], w[0], 0], 255) }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual((summary["tiles"] as! [String: Int]), ["grid": 117, "tissue": rows.count, "classified": rows.count])
        XCTAssertEqual(summary["classified_area_mm2"] as! Double, Double(rows.count) * 0.012544, accuracy: 1e-6)
        let perClass = summary["per_class"] as! [String: [String: Any]]
        XCTAssertEqual(perClass.values.map { $0["tiles"] as! Int }.reduce(0, +), rows.count)
        let tissueArea = summary["tissue_area_mm2"] as! Double
        // The mask is about 30 % of the 1.108 × 1.481 mm region (TissueMaskTests, checked by eye).
        XCTAssertGreaterThan(tissueArea, 0.25 * 1.108 * 1.481)
        XCTAssertLessThan(tissueArea, 0.35 * 1.108 * 1.481)
        let geo = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tiles.geojson"))) as! [String: Any]
        let features = geo["features"] as! [[String: Any]]
        XCTAssertEqual(features.count, rows.count)
        let first = features[0]["properties"] as! [String: Any]
        XCTAssertEqual((first["classification"] as! [String: Any])["name"] as? String, rows[0][6])
        let ring = ((features[0]["geometry"] as! [String: Any])["coordinates"] as! [[[Int]]])[0]
        XCTAssertEqual(ring[0], [Int(rows[0][0])!, Int(rows[0][1])!])
        XCTAssertEqual(ring[2], [Int(rows[0][0])! + 224, Int(rows[0][1])! + 224])
        let overlay = try ImageDecoder.decode(folder.appendingPathComponent("overlay.png"))
        XCTAssertGreaterThanOrEqual(overlay.width, 766)

        // Killed after two batches, then a torn line appended: the rerun gives the same file.
        let cut = Self.work.appendingPathComponent("cut")
        (status, out) = try CLIRunner.run(args + ["--output", cut.path], environment: ["CSIT_TEST_SLIDE_KILL_AFTER_BATCHES": "2"])
        XCTAssertEqual(status, SIGKILL, out)
        let cutFolder = cut.appendingPathComponent("cmu_small_region")
        XCTAssertEqual(try tiles(cutFolder).rows.count, 32)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cutFolder.appendingPathComponent("summary.json").path))
        let handle = try FileHandle(forWritingTo: cutFolder.appendingPathComponent("tiles.csv"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("1234,56,0,0.5000,0.9".utf8))
        try handle.close()
        (status, out) = try CLIRunner.run(args + ["--output", cut.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("32/\(rows.count) tiles"), out)
        for name in ["tiles.csv", "summary.json", "tiles.geojson", "map.png", "overlay.png"] {
            XCTAssertEqual(try Data(contentsOf: cutFolder.appendingPathComponent(name)), try Data(contentsOf: folder.appendingPathComponent(name)), name)
        }
        // Other settings in the same folder: one line, nothing overwritten.
        (status, out) = try CLIRunner.run(args + ["--output", cut.path, "--stride", "112"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.hasPrefix("Error: \(cutFolder.path) holds tiles made with other settings (stride 224, now 112)"), out)
    }

    /// A 3-level pyramid at 0.25 µm/px (every tile classified): 0.5 µm/px reads level 1 as it is, 0.6 reads level 1
    /// and shrinks, --level 0 reads level 0 at 0.25.
    func testLevelChoiceOnAPyramidalTIFF() throws {
        let model = try Self.model.get()
        let slide = Self.work.appendingPathComponent("pyramid.tif")
        try PyramidTIFF.write((0..<3).map { PyramidTIFF.pattern(width: 1024 >> $0, height: 768 >> $0, level: $0) },
                              micronsPerPixel: 0.25, to: slide)
        for (extra, level, mpp, grid) in [(["--mpp", "0.5"], 1, 0.5, [16, 12]), (["--mpp", "0.6"], 1, 0.6, [13, 10]),
                                          (["--mpp", "1.2"], 2, 1.2, [6, 5]), (["--level", "0"], 0, 0.25, [32, 24])] {
            let out = Self.work.appendingPathComponent("pyr-\(extra.joined())")
            let (status, text) = try CLIRunner.run(["slide", "predict", slide.path, "--checkpoint", model, "--tile", "32", "--tissue-threshold", "0",
                                                    "--output", out.path] + extra)
            XCTAssertEqual(status, 0, text)
            let folder = out.appendingPathComponent("pyramid")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
            XCTAssertEqual(summary["level"] as? Int, level, "\(extra)")
            XCTAssertEqual(summary["target_mpp"] as! Double, mpp, accuracy: 1e-9)
            XCTAssertEqual(summary["grid"] as? [String: Int], ["columns": grid[0], "rows": grid[1]], "\(extra)")
            let (_, rows) = try tiles(folder)
            XCTAssertEqual(rows.count, grid[0] * grid[1], "--tissue-threshold 0: every tile")
            XCTAssertTrue(rows.allSatisfy { $0[2] == String(level) })
        }
    }
}

extension SlideCommandTests {
    /// Found by review: a slide without tissue tiles crashed (a format argument of the wrong
    /// type), extreme --mpp values trapped or hung, --stride > --tile overstated areas, a
    /// tiles.csv without run.json was resumed with another model, a rerun from another
    /// folder was refused, a recorded mpp was silently overridden.
    func testHostileSlideArgumentsAreOneLineAndResumeNeverMixesRuns() throws {
        let model = try Self.model.get()
        let dir = Self.work.appendingPathComponent("hostile")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let glass = dir.appendingPathComponent("glass.tif")
        try PyramidTIFF.write([RGBImage(width: 256, height: 192, pixels: [UInt8](repeating: 250, count: 256 * 192 * 3))],
                              micronsPerPixel: 0.5, to: glass)
        var (status, out) = try CLIRunner.run(["slide", "predict", glass.path, "--checkpoint", model, "--tile", "32", "--output", dir.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("0 of 48 tiles with tissue"), out)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("glass/summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["tiles"] as? [String: Int], ["grid": 48, "tissue": 0, "classified": 0])

        let base = ["slide", "predict", Self.bundled, "--checkpoint", model, "--tile", "32"]
        for (extra, expected) in [(["--mpp", "1e-20"], "--mpp 1e-20: expected 0.01 to 1000 µm per pixel"),
                                  (["--slide-mpp", "inf"], "--slide-mpp inf: expected 0.01 to 1000 µm per pixel"),
                                  (["--mpp", "0.01"], "\(Self.bundled): a 32 px tile at 0.01 µm/px is read from 0.6413 px of level 0"),
                                  (["--mpp", "100"], "\(Self.bundled): a 32 px tile at 100 µm/px is read from 6413 px of level 0"),
                                  (["--thumbnail", "100000"], "--thumbnail 100000: expected 16 to 8192 pixels"),
                                  (["--workers", "100000"], "--workers 100000: expected 1 to 64"),
                                  (["--output", glass.path], "--output \(glass.path): is a file; expected a folder")] {
            (status, out) = try CLIRunner.run(base + extra + (extra.contains("--output") ? [] : ["--output", dir.appendingPathComponent("x").path]))
            XCTAssertNotEqual(status, 0, out)
            XCTAssertTrue(out.hasPrefix("Error: \(expected)"), "\(extra): \(out)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x/cmu_small_region/tiles.csv").path), "\(extra)")
        }
        // Tiles 4× their side apart: the areas are the tiles' own, and the rerun from another
        // working folder (the slide named by another path) resumes.
        let apart = dir.appendingPathComponent("apart")
        (status, out) = try CLIRunner.run(base + ["--stride", "128", "--tissue-threshold", "0", "--output", apart.path])
        XCTAssertEqual(status, 0, out)
        let folder = apart.appendingPathComponent("cmu_small_region")
        let s2 = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        let classified = (s2["tiles"] as! [String: Int])["classified"]!
        XCTAssertEqual(s2["classified_area_mm2"] as! Double, Double(classified) * pow(32 * 0.5, 2) / 1e6, accuracy: 1e-6)
        let absolute = CLIRunner.repositoryRoot.appendingPathComponent(Self.bundled).path
        (status, out) = try CLIRunner.run(["slide", "predict", absolute] + Array(base.dropFirst(3)) + ["--stride", "128", "--tissue-threshold", "0",
                                                                                                       "--output", apart.path])
        XCTAssertEqual(status, 0, out)
        // A tiles.csv whose run.json is gone: refused, not resumed with whatever model is given now.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("run.json"))
        let before = try Data(contentsOf: folder.appendingPathComponent("tiles.csv"))
        (status, out) = try CLIRunner.run(base + ["--stride", "128", "--tissue-threshold", "0", "--output", apart.path])
        XCTAssertNotEqual(status, 0, out)
        XCTAssertTrue(out.hasPrefix("Error: \(folder.path) holds a tiles.csv without run.json"), out)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("tiles.csv")), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.json").path))
        // A recorded mpp wins over --slide-mpp, and says so.
        (status, out) = try CLIRunner.run(base + ["--slide-mpp", "0.25", "--output", dir.appendingPathComponent("override").path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("records 0.499 µm/px; --slide-mpp 0.25 is for slides that record none (not used)"), out)
    }
}

/// Tissue tiles of the bundled slide at 0.5 µm/px, 224 px, at least half tissue: 41 of the
/// 9 × 13 grid (the tissue strip; counted on the overlay by eye).
enum BundledSlideTiles {
    static let tissue = 41
}
