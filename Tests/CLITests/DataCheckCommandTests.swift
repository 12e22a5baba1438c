import Foundation
import XCTest

/// `csit data check` and `csit plan`'s data checks: a corrupt image surfaced only when
/// evaluation reached it, after a full epoch; a one-class dataset and a partial download
/// planned without a word.
final class DataCheckCommandTests: XCTestCase {
    var work: URL!
    let fixtures = CLIRunner.repositoryRoot.appendingPathComponent("Tests/HistoDataTests/Fixtures")

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-check-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// Copies fixture files (`destination` → `Fixtures/…` path) into a new folder under `work`.
    func folder(_ name: String, _ files: [(String, String)]) throws -> URL {
        let root = work.appendingPathComponent(name)
        for (path, fixture) in files {
            let dest = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(fixture), to: dest)
        }
        return root
    }

    /// A good image, a truncated JPEG, a zero-byte PNG and a text file named `.png`.
    func mixedFolder() throws -> URL {
        try folder("mixed", [("a/good.png", "images/rgb.png"), ("a/cut.jpg", "images/cut.jpg"), ("a/empty.png", "images/empty.png"),
                             ("b/notes.png", "images/notes.png"), ("b/good.jpg", "images/rgb.jpg")])
    }

    func testEveryBadFileIsNamedAtOnceAndTheExitIsNonZero() throws {
        let root = try mixedFolder()
        let (status, out) = try CLIRunner.run(["data", "check", root.path])
        XCTAssertEqual(status, 4, out)
        XCTAssertTrue(out.contains("\(root.path)/a/cut.jpg: corrupt or truncated JPEG"), out)
        XCTAssertTrue(out.contains("\(root.path)/a/empty.png: the file is empty (0 bytes)\n"), out)
        XCTAssertTrue(out.contains("\(root.path)/b/notes.png: not a PNG, JPEG or TIFF image (unrecognised header)\n"), out)
        XCTAssertTrue(out.contains("3 of 5 images do not decode"), out)
        XCTAssertFalse(out.contains("good"), out)
        let (jsonStatus, json) = try CLIRunner.run(["data", "check", root.path, "--format", "json"])
        XCTAssertEqual(jsonStatus, 4, json)
        let report = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual((report["bad_files"] as? [[String: String]])?.map { $0["path"]! },
                       ["a/cut.jpg", "a/empty.png", "b/notes.png"].map { root.path + "/" + $0 })
    }

    func testTheThreadCountDoesNotChangeTheReport() throws {
        let root = try mixedFolder()
        let outputs = try [1, 2, 7].map { try CLIRunner.run(["data", "check", root.path, "--threads", String($0)]) }
        XCTAssertEqual(outputs[0].status, 4)
        for o in outputs.dropFirst() {
            XCTAssertEqual(o.status, outputs[0].status)
            XCTAssertEqual(o.output, outputs[0].output)
        }
    }

    func testACleanFolderExitsZeroWithItsCounts() throws {
        let (status, out) = try CLIRunner.run(["data", "check", "Tests/HistoDataTests/Fixtures/nct", "--dataset", "nct"])
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out, "data-check-nct.txt")
        let (_, breakhis) = try CLIRunner.run(["data", "check", "Tests/HistoDataTests/Fixtures/breakhis", "--dataset", "breakhis"])
        XCTAssertTrue(breakhis.contains("magnification  images\n40X            38\n"), breakhis)
        XCTAssertTrue(breakhis.contains("warning: Tests/HistoDataTests/Fixtures/breakhis: BreakHis v1 has 7,909 images"), breakhis)
        let (missing, why) = try CLIRunner.run(["data", "check", work.appendingPathComponent("nowhere").path])
        XCTAssertEqual(missing, 64, why)
        XCTAssertTrue(why.contains("nowhere: not a readable folder"), why)
    }

    /// Writes the tiny spec reading `root` instead of the NCT fixture (for SSL too).
    func spec(root: URL, withSSL: Bool = false) throws -> String {
        let path = try TinySpec.write(results: work.appendingPathComponent("res").path, in: work, withSSL: withSSL)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "root: Tests/HistoDataTests/Fixtures/nct", with: "root: \(root.path)")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// NCT-layout copies of the fixture, each image name a fixture file.
    func nctFolder(_ name: String, classes: [String] = ["ADI", "BACK", "DEB", "LYM", "MUC", "MUS", "NORM", "STR", "TUM"]) throws -> URL {
        let files = try classes.flatMap { c in
            try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent("nct/\(c)").path).sorted()
                .map { ("\(c)/\($0)", "nct/\(c)/\($0)") }
        }
        return try folder(name, files)
    }

    func testPlanRefusesAOneClassDatasetNamingTheRootAndTheClass() throws {
        let root = try nctFolder("one", classes: ["ADI"])
        let spec = try spec(root: root)
        for command in ["plan", "run"] {
            let (status, out) = try CLIRunner.run([command, spec])
            XCTAssertNotEqual(status, 0, out)
            XCTAssertTrue(out.contains("\(spec):5:9 dataset.root: \(root.path): only one class (ADI, 3 images); "
                                       + "a labeled dataset needs images of at least two classes"), out)
        }
    }

    func testPlanShowsClassCountsAndWarnsOfAPartialPublicDataset() throws {
        let root = try nctFolder("NCT-CRC-HE-100K")
        let (status, out) = try CLIRunner.run(["plan", try spec(root: root)])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("warning: \(work.path)/tiny.yaml:5:9 dataset.root: \(root.path): NCT-CRC-HE-100K has 100,000 images "
                                   + "in 9 classes; found 27 images in 9 classes (a partial download or extraction?)"), out)
        XCTAssertTrue(out.contains("datasets:\n  nct \(root.path): 27 images in 9 classes (ADI 3, BACK 3, DEB 3,"), out)
    }

    func testPlanCheckImagesNamesEveryBadFileBeforeAnythingRuns() throws {
        let root = try nctFolder("nct")
        try Data().write(to: root.appendingPathComponent("TUM/TUM-EMPTY.tif"))
        let tif = try Data(contentsOf: root.appendingPathComponent("ADI/ADI-A0000000.tif"))
        try tif.prefix(tif.count / 3).write(to: root.appendingPathComponent("ADI/ADI-CUT.tif"))
        // SSL pretrains on the same folder: each file is decoded and named once.
        let spec = try spec(root: root, withSSL: true)
        var (status, out) = try CLIRunner.run(["plan", spec])
        XCTAssertEqual(status, 0, "listing only: \(out)")
        XCTAssertFalse(out.contains("bad image"), out)
        (status, out) = try CLIRunner.run(["plan", spec, "--check-images"])
        XCTAssertEqual(status, 4, out)
        XCTAssertTrue(out.contains("bad image: \(root.path)/ADI/ADI-CUT.tif: corrupt or truncated TIFF"), out)
        XCTAssertTrue(out.contains("bad image: \(root.path)/TUM/TUM-EMPTY.tif: the file is empty (0 bytes)\n"), out)
        XCTAssertTrue(out.contains("checked 29 images in 2 dataset(s): 2 do not decode"), out)
        XCTAssertEqual(out.components(separatedBy: "ADI-CUT.tif").count, 2, "named once: \(out)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("res/runs").path), "nothing ran")
        try FileManager.default.removeItem(at: root.appendingPathComponent("TUM/TUM-EMPTY.tif"))
        try FileManager.default.removeItem(at: root.appendingPathComponent("ADI/ADI-CUT.tif"))
        (status, out) = try CLIRunner.run(["plan", spec, "--check-images"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("checked 27 images in 2 dataset(s): every image decodes"), out)
    }
}
