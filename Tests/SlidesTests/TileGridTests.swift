import Foundation
import HistoData
import Slides
import XCTest

final class TileGridTests: XCTestCase {
    var work: URL!
    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-tilegrid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    /// 1024 × 768 at 0.25 µm/px, levels 2× and 4× down.
    func pyramid() throws -> Slide {
        let url = work.appendingPathComponent("p.tif")
        try PyramidTIFF.write((0..<3).map { PyramidTIFF.pattern(width: 1024 >> $0, height: 768 >> $0, level: $0) }, micronsPerPixel: 0.25, to: url)
        return try Slide(path: url.path)
    }

    func testLevelChoiceAndResampling() throws {
        let s = try pyramid()
        // 0.5 µm/px: level 1 read as it is (32 level-1 px = 64 level-0 px per tile).
        var g = TileGrid(slide: s, mpp: 0.25, targetMPP: 0.5, level: nil, tile: 32, stride: 32)
        XCTAssertEqual([g.level, g.readSize, g.level0Size, g.columns, g.rows], [1, 32, 64, 16, 12])
        var t = try g.read(s, column: 2, row: 3)
        XCTAssertEqual([t.width, t.height], [32, 32])
        XCTAssertEqual(t[0, 0, 0], 150, "level 1's red")
        XCTAssertEqual(Int(t[0, 5, 1]), (128 + 10) / 4, "green: level-0 column / 4")
        XCTAssertEqual(Int(t[7, 0, 2]), (192 + 14) / 4, "blue: level-0 row / 4")
        // 0.75 µm/px: still level 1 (0.5 ≤ 0.75 < 1.0), 48 level-1 px shrunk to 32.
        g = TileGrid(slide: s, mpp: 0.25, targetMPP: 0.75, level: nil, tile: 32, stride: 32)
        XCTAssertEqual([g.level, g.readSize, g.level0Size], [1, 48, 96])
        t = try g.read(s, column: 1, row: 1)
        XCTAssertEqual([t.width, t.height], [32, 32])
        XCTAssertEqual(t[10, 10, 0], 150)
        // Tile pixel 10 covers level-0 columns 96 + 30…33: green ≈ 32.
        XCTAssertEqual(Double(t[10, 10, 1]), Double(96 + 31) / 4, accuracy: 1.5)
        // --level 2: read as it is, target 1.0 µm/px.
        g = TileGrid(slide: s, mpp: 0.25, targetMPP: nil, level: 2, tile: 32, stride: 16)
        XCTAssertEqual(g.targetMPP, 1.0)
        XCTAssertEqual([g.level, g.readSize, g.columns, g.rows], [2, 32, 15, 11])
        XCTAssertEqual(try g.read(s, column: 0, row: 0)[0, 0, 0], 100)
        XCTAssertEqual(g.origin(column: 3, row: 2).x, 3 * 16 * 4)
    }

    func testTilesFileKeepsWholeBatches() throws {
        let url = work.appendingPathComponent("tiles.csv")
        var f = try TilesFile(url: url, header: "x,y,p", batch: 2)
        try f.append(["0,0,a", "1,0,b"])
        try f.append(["2,0,c", "3,0,d"])
        try f.append(["4,0,e"])   // the last batch, cut short
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data("5,0".utf8))   // a torn line
        try h.close()
        f = try TilesFile(url: url, header: "x,y,p", batch: 2)
        XCTAssertEqual(f.rows, ["0,0,a", "1,0,b", "2,0,c", "3,0,d"])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "x,y,p\n0,0,a\n1,0,b\n2,0,c\n3,0,d\n")
        try f.append(["4,0,e", "5,0,f"])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "x,y,p\n0,0,a\n1,0,b\n2,0,c\n3,0,d\n4,0,e\n5,0,f\n")
        XCTAssertThrowsError(try TilesFile(url: url, header: "x,y,q", batch: 2)) {
            guard case .foreign(let p, _)? = $0 as? TilesFileError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, url.path)
        }
    }
}
