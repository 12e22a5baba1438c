import XCTest
import Experiments
import HistoData
import Training

/// The slide tiling settings (`placement: .dataset`): set in `dataset:`, in the run id of
/// slides runs only, refused at their line for any other dataset.
final class SlideSettingsTests: XCTestCase {
    let slides = "name: s\ndataset:\n  kind: slides\n  root: /nowhere\n  test_root: /nowhere-test\nmodes: [ft]\nprotocol:\n  validation: 0\n"

    func plan(_ yaml: String) throws -> Plan { try Plan.make(try ExperimentSpec.parse(yaml, file: "s.yaml", checkPaths: false)) }

    func testTilingReachesTheConfigAndTheID() throws {
        let defaults = try XCTUnwrap(plan(slides).runs.first)
        XCTAssertEqual(defaults.config.slideTiling.mpp, 0.5)
        XCTAssertEqual(defaults.config.slideTiling.tile, 224)
        XCTAssertNil(defaults.config.slideTiling.tilesPerSlide)
        XCTAssertEqual(defaults.config.slideTiling.minTissue, 0.5)
        let explicit = try plan(slides.replacingOccurrences(of: "modes:", with: "  mpp: 0.5\n  tile: 224\n  tissue_threshold: 0.5\nmodes:"))
        XCTAssertEqual(explicit.runs.map(\.id), [defaults.id], "the defaults written out keep the id")
        let tilings = RunSetting.all.filter { $0.placement == .dataset }
        XCTAssertEqual(tilings.map(\.key), ["mpp", "tile", "tiles_per_slide", "tissue_threshold"])
        for (key, value) in [("mpp", "0.25"), ("tile", "64"), ("tiles_per_slide", "100"), ("tissue_threshold", "0.8")] {
            let r = try XCTUnwrap(plan(slides.replacingOccurrences(of: "modes:", with: "  \(key): \(value)\nmodes:")).runs.first)
            XCTAssertEqual(RunSetting.named(key)?.text(in: RunSettings(config: r.config, execution: r.execution)), value, key)
            XCTAssertNotEqual(r.id, defaults.id, "\(key) does not change the run id")
        }
    }

    /// For other datasets the tiling is not in `config.json` or the id (their ids did not
    /// change), and setting it is an error at its line and column.
    func testOtherDatasetsNeitherHashNorTakeTheTiling() throws {
        let nct = try XCTUnwrap(plan(slides.replacingOccurrences(of: "kind: slides", with: "kind: nct")).runs.first)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let json = String(decoding: try e.encode(nct.config), as: UTF8.self)
        for key in ["mpp", "tile", "tiles_per_slide", "tissue_threshold"] { XCTAssertFalse(json.contains(key), json) }
        XCTAssertTrue(json.contains("\"dataset\":\"nct\""), json)
        let bad = slides.replacingOccurrences(of: "kind: slides", with: "kind: nct").replacingOccurrences(of: "modes:", with: "  tile: 64\nmodes:")
        XCTAssertThrowsError(try plan(bad)) { e in
            XCTAssertTrue("\(e)".contains("s.yaml:6:9: dataset.tile (ft run)"), "\(e)")
            XCTAssertTrue("\(e)".contains("tile = 64: expected unset: it tiles whole slides and applies to dataset slides only (dataset nct)"), "\(e)")
        }
        var config = RunConfig.paper(.ssl)
        config.root = "/x"
        config.minTissue = 0.2
        XCTAssertThrowsError(try config.validate()) {
            XCTAssertEqual($0 as? RunConfigError, .invalid(key: "tissue_threshold", value: "0.2",
                                                          expected: "unset: it tiles whole slides and applies to dataset slides only (dataset unlabeled)"))
        }
        config.dataset = .slides
        XCTAssertNoThrow(try config.validate())
    }

    /// Pretraining on the slides of the `dataset:` block tiles them as that block says; an
    /// `ssl.dataset` block tiles its own.
    func testSSLTakesTheTiling() throws {
        let p = try plan(slides.replacingOccurrences(of: "[ft]", with: "[le]").replacingOccurrences(of: "modes:", with: "  tile: 64\nmodes:"))
        let ssl = try XCTUnwrap(p.runs.first { $0.config.mode == .ssl })
        XCTAssertEqual(ssl.config.dataset, .slides)
        XCTAssertEqual(ssl.config.slideTile, 64)
        let own = try plan("name: s\ndataset:\n  kind: nct\n  root: /nowhere\nmodes: [le]\nssl:\n  dataset: {kind: slides, root: /archive, tiles_per_slide: 7}\n")
        let r = try XCTUnwrap(own.runs.first { $0.config.mode == .ssl })
        XCTAssertEqual(r.config.dataset, .slides)
        XCTAssertEqual(r.config.root, "/archive")
        XCTAssertEqual(r.config.tilesPerSlide, 7)
        XCTAssertNil(try XCTUnwrap(own.runs.first { $0.config.mode == .le }).config.tilesPerSlide)
    }
}
