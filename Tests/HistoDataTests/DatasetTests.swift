import XCTest
import HistoData
import TensorKit

final class DatasetTests: XCTestCase {
    var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    func testBreakHisFieldsFromFileNames() throws {
        let n = try BreakHis.FileName(parsing: "SOB_B_A-14-22549AB-40-001.png")
        XCTAssertEqual(n, try BreakHis.FileName(parsing: "SOB_B_A-14-22549AB-40-001.png"))
        XCTAssertFalse(n.malignant)
        XCTAssertEqual(n.subtype, "A")
        XCTAssertEqual(n.patient, "14-22549AB")
        XCTAssertEqual(n.magnification, "40X")
        XCTAssertEqual(n.sequence, 1)
        let m = try BreakHis.FileName(parsing: "SOB_M_PC-14-9146-400-015.png")
        XCTAssertTrue(m.malignant)
        XCTAssertEqual([m.subtype, m.patient, m.magnification], ["PC", "14-9146", "400X"])
        for bad in ["SOB_X_A-14-1-40-001.png", "SOB_B_DC-14-1-40-001.png", "SOB_B_A-14-1-50-001.png",
                    "SOB_B_A-14-1-40.png", "IMG_B_A-14-1-40-001.png", "SOB_B_A-14-1-40-001.jpg"] {
            XCTAssertThrowsError(try BreakHis.FileName(parsing: bad), bad) { XCTAssertTrue("\($0)".contains(bad)) }
        }
    }

    func testBreakHisLayout() throws {
        let root = fixtures.appendingPathComponent("breakhis")
        let binary = try Dataset.load(.breakhis, root: root, task: .binary)
        XCTAssertEqual(binary.classes, ["benign", "malignant"])
        XCTAssertEqual(binary.samples.count, 152)
        XCTAssertEqual(binary.classCounts, [72, 80])
        XCTAssertEqual(Set(binary.samples.map(\.zoom)), ["40X", "100X", "200X", "400X"])
        XCTAssertEqual(Set(binary.samples.map(\.group)).count, 19)
        let eight = try Dataset.load(.breakhis, root: root, task: .subtype)
        XCTAssertEqual(eight.classes.count, 8)
        XCTAssertEqual(eight.classCounts, [24, 16, 16, 16, 32, 16, 16, 16])
        let described = binary.describe()
        XCTAssertTrue(described.contains("40X            38      19"), described)
        XCTAssertTrue(described.contains("14-22549AB    benign"), described)
    }

    func testNCTAndImageFolder() throws {
        let nct = try Dataset.load(.nct, root: fixtures.appendingPathComponent("nct"))
        XCTAssertEqual(nct.classes, Dataset.nctClasses)
        XCTAssertEqual(nct.classCounts, [Int](repeating: 3, count: 9))
        XCTAssertTrue(nct.samples[0].path.hasPrefix("ADI/ADI-"))
        let folder = try Dataset.load(.imageFolder, root: fixtures.appendingPathComponent("nct"))
        XCTAssertEqual(folder.classes, Dataset.nctClasses)
        XCTAssertThrowsError(try Dataset.load(.nct, root: fixtures.appendingPathComponent("breakhis"))) {
            XCTAssertTrue("\($0)".contains("unexpected class folder(s) BreaKHis_v1"), "\($0)")
        }
        let unlabeled = try Dataset.load(.unlabeled, root: fixtures.appendingPathComponent("nct"))
        XCTAssertEqual(unlabeled.samples.count, 27)
        XCTAssertNil(unlabeled.samples[0].label)
        XCTAssertThrowsError(try Dataset.load(.imageFolder, root: fixtures.appendingPathComponent("missing")))
    }
}

final class SplitTests: XCTestCase {
    var breakhis: Dataset { get throws { try Dataset.load(.breakhis, root: Bundle.module.resourceURL!.appendingPathComponent("Fixtures/breakhis")) } }

    func testImageLevelFoldsAreWithinOneSampleOfIdeal() {
        var rng = RNG(seed: 1)
        for trial in 0..<20 {
            let classes = 2 + trial % 5, k = 3 + trial % 4
            let labels = (0..<(50 + trial * 13)).map { _ in rng.int(in: 0..<classes) }
            let folds = Splits.stratifiedKFold(labels: labels, folds: k, seed: UInt64(trial))
            for c in 0..<classes {
                let n = labels.filter { $0 == c }.count
                for f in 0..<k {
                    let inFold = zip(labels, folds).filter { $0.0 == c && $0.1 == f }.count
                    XCTAssertLessThanOrEqual(abs(Double(inFold) - Double(n) / Double(k)), 1, "class \(c) fold \(f)")
                }
            }
            let sizes = (0..<k).map { f in folds.filter { $0 == f }.count }
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
        }
    }

    func testPatientFoldsAreDisjointAndKeptAcrossZooms() throws {
        let d = try breakhis
        let m = try Manifest.make(d, folds: 5, groupByPatient: true, seed: 0)
        var foldOfPatient: [String: Int] = [:]
        for r in m.rows {
            if let f = foldOfPatient[r.group] { XCTAssertEqual(f, r.fold, "patient \(r.group) in two folds") }
            foldOfPatient[r.group] = r.fold
        }
        XCTAssertEqual(Set(foldOfPatient.values), [0, 1, 2, 3, 4])
        // Both classes appear in every fold's test set when groups allow.
        for f in 0..<5 { XCTAssertEqual(Set(m.rows.filter { $0.fold == f }.compactMap(\.label)).count, 2, "fold \(f)") }
        for zoom in BreakHis.magnifications {
            let z = try Manifest.make(d, folds: 5, groupByPatient: true, zoom: zoom, seed: 0)
            XCTAssertTrue(z.rows.allSatisfy { $0.zoom == zoom && foldOfPatient[$0.group] == $0.fold })
        }
        XCTAssertThrowsError(try Manifest.make(d, folds: 5, zoom: "50X", seed: 0))
    }

    func testManifestsAreByteStableAndSeedDependent() throws {
        let d = try breakhis
        let a = try Manifest.make(d, folds: 5, seed: 7), b = try Manifest.make(d, folds: 5, seed: 7)
        XCTAssertEqual(a.csv, b.csv)
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertNotEqual(a.csv, try Manifest.make(d, folds: 5, seed: 8).csv)
        XCTAssertTrue(a.csv.hasPrefix("path,label,group,zoom,fold,split,label_name\n"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csit-manifest-\(getpid()).csv")
        defer { try? FileManager.default.removeItem(at: url); try? FileManager.default.removeItem(at: url.appendingPathExtension("sha256")) }
        try a.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), a.csv)
        XCTAssertEqual(try String(contentsOf: url.appendingPathExtension("sha256"), encoding: .utf8), a.contentHash + "\n")
    }

    func testLabelFractionsAndHoldOut() {
        let labels = (0..<1000).map { $0 % 4 == 0 ? 1 : 0 }
        let idx = Array(0..<1000)
        let tenth = Splits.labelFraction(idx, labels: labels, fraction: 0.1, seed: 3)
        XCTAssertEqual(tenth.filter { labels[$0] == 1 }.count, 25)
        XCTAssertEqual(tenth.filter { labels[$0] == 0 }.count, 75)
        XCTAssertEqual(tenth, Splits.labelFraction(idx, labels: labels, fraction: 0.1, seed: 3))
        XCTAssertEqual(Splits.labelFraction(idx, labels: labels, fraction: 0.001, seed: 3).count, 2, "at least one per class")
        let test = Splits.holdOut(labels: labels, fraction: 0.2, seed: 1)
        XCTAssertEqual(test.filter { $0 }.count, 200)
    }

    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
