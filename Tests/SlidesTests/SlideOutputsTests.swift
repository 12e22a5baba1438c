import Foundation
import Slides
import XCTest

final class SlideOutputsTests: XCTestCase {
    let grid = TileGrid(slideWidth: 1000, slideHeight: 600, mpp: 0.5, targetMPP: 0.5, level: 0, downsample: 1, tile: 100, stride: 100)

    func testMapAndSummaryCounts() throws {
        let rows = ["0,0,0,0.5000,1.000,1,b,0.2,0.8", "300,200,0,0.5000,0.700,0,a,0.9,0.1", "900,500,0,0.5000,0.600,1,b,0.4,0.6"]
        let o = try SlideOutputs(grid: grid, classes: ["a", "b"], rows: rows, file: "t.csv")
        XCTAssertEqual(o.classCounts(), [1, 2])
        let map = o.map()
        XCTAssertEqual([map.width, map.height], [10, 6])
        let b = SlideOutputs.color(1), a = SlideOutputs.color(0)
        XCTAssertEqual([map[0, 0, 0], map[0, 0, 1], map[0, 0, 2]], [b.0, b.1, b.2])
        XCTAssertEqual([map[2, 3, 0], map[2, 3, 1], map[2, 3, 2]], [a.0, a.1, a.2])
        XCTAssertEqual([map[5, 9, 0], map[5, 9, 1], map[5, 9, 2]], [b.0, b.1, b.2])
        let white = (0..<60).filter { i in (0..<3).allSatisfy { map.pixels[3 * i + $0] == 255 } }.count
        XCTAssertEqual(white, 57, "cells without a tile stay white")
        let geo = try JSONSerialization.jsonObject(with: o.geoJSON()) as! [String: Any]
        let f = (geo["features"] as! [[String: Any]])[1]
        XCTAssertEqual(((f["geometry"] as! [String: Any])["coordinates"] as! [[[Int]]])[0], [[300, 200], [400, 200], [400, 300], [300, 300], [300, 200]])
        XCTAssertEqual((f["properties"] as! [String: Any])["class"] as? String, "a")
        XCTAssertEqual((f["properties"] as! [String: Any])["probability"] as! Double, 0.9, accuracy: 1e-6)
    }

    func testBadRowIsAnErrorNotACrash() {
        XCTAssertThrowsError(try SlideOutputs(grid: grid, classes: ["a", "b"], rows: ["0,0,0,0.5,1,7,b,0.2,0.8"], file: "t.csv")) {
            XCTAssertEqual("\($0)", "t.csv: not a tiles file of this run (row 2 is not x,y,level,mpp,tissue,pred,pred_name and 2 probabilities); remove it or choose another --output")
        }
        XCTAssertThrowsError(try SlideOutputs(grid: grid, classes: ["a", "b"], rows: ["0,0,0,0.5,1,1,b,x,0.8"], file: "t.csv"))
    }
}
