import Foundation
import TensorBoard
import XCTest

/// TensorBoard's event files: TFRecord framing with masked CRC-32C, Event/Summary protobufs,
/// and the session-start rule that drops what an interrupted run logged after its checkpoint.
final class EventFileTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-tb-\(getpid())")
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// The framing of a known record, byte for byte: TensorFlow's masked CRC-32C of the
    /// length and of the data (CRC-32C("123456789") = 0xE3069283, the standard check value).
    func testFramingMatchesTensorFlow() throws {
        let framed = TFRecord.frame(Array("123456789".utf8))
        XCTAssertEqual(Array(framed[0..<8]), [9, 0, 0, 0, 0, 0, 0, 0])
        let crc: UInt32 = 0xE306_9283
        let masked = ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
        XCTAssertEqual(Array(framed[(framed.count - 4)...]), withUnsafeBytes(of: masked.littleEndian, Array.init))
        XCTAssertEqual(try TFRecord.records(framed + TFRecord.frame([])), [Array("123456789".utf8), []])
    }

    func testDamageIsFound() {
        var framed = TFRecord.frame(Array("abc".utf8))
        framed[13] ^= 1
        XCTAssertThrowsError(try TFRecord.records(framed)) { XCTAssertTrue("\($0)".contains("data checksum mismatch"), "\($0)") }
        XCTAssertThrowsError(try TFRecord.records(Array(TFRecord.frame(Array("abc".utf8)).dropLast(2)))) {
            XCTAssertTrue("\($0)".contains("cut short"), "\($0)")
        }
    }

    /// Scalars come back with their tags, steps and values; a second session started at
    /// step 2 replaces what the first logged from step 2 on.
    func testScalarsRoundTripAndAResumeSupersedes() throws {
        let first = try EventWriter(directory: dir)
        for s in 1...4 { try first.scalars(["train/loss": Double(s), "train/lr": 0.1], step: Int64(s)) }
        sleep(1)   // a later file name, as a later session has
        let second = try EventWriter(directory: dir, startStep: 2)
        try second.scalars(["train/loss": 20], step: 2)
        let points = try EventReader.scalars(in: dir).filter { $0.tag == "train/loss" }
        XCTAssertEqual(points.map(\.step), [1, 2])
        XCTAssertEqual(points.map(\.value), [1, 20])
        let bytes = [UInt8](try Data(contentsOf: first.url))
        XCTAssertEqual(try TFRecord.records(bytes).count, 2 + 4, "version, session start, four summaries")
    }
}
