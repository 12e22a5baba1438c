import XCTest
import HistoData

final class SampleSetTests: XCTestCase {
    /// The bundled set builds from the two committed images with stable counts, every
    /// class present, and its outputs readable.
    func testBuildsFromTheBundledImages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("csit-sample-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let summary = try SampleSet.bundled(tileSize: 64, repositoryRoot: root).build(output: out)
        XCTAssertEqual(summary.perClass["background"], 108, "every 8th of 863 glass tiles, at most 120")
        XCTAssertEqual(summary.perClass["epidermis"], 108)
        XCTAssertEqual(summary.perClass["dermis"], 83)
        XCTAssertEqual(summary.perClass["ihc"], 41)
        XCTAssertEqual(summary.unlabeled, 765)
        let labeled = try Dataset.load(.imageFolder, root: out.appendingPathComponent("labeled"))
        XCTAssertEqual(labeled.classes, SampleSet.classes)
        XCTAssertEqual(labeled.classCounts, [108, 83, 108, 41])
        let sheet = try ImageDecoder.decode(out.appendingPathComponent("contact_dermis.png"))
        XCTAssertEqual(sheet.width, 8 * 68 + 4)
        let csv = try String(contentsOf: out.appendingPathComponent("labels.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("tile,source,row,column,tissue_fraction,hematoxylin,eosin,dab,label\n"))
        // Every labeled tile satisfies the documented rule.
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f[8] == "epidermis" || f[8] == "dermis" else { continue }
            XCTAssertGreaterThanOrEqual(Double(f[4])!, 0.9)
            if f[8] == "epidermis" { XCTAssertGreaterThanOrEqual(Double(f[5])!, 0.40) } else { XCTAssertLessThanOrEqual(Double(f[5])!, 0.22) }
        }
    }
}
