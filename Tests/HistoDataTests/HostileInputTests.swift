import Foundation
import XCTest
import HistoData

/// Images whose headers claim huge sizes fail before any pixel buffer is allocated, and
/// datasets linked into place (symbolic links to roots, class folders and files) load as
/// if they were copied; link loops end.
final class HostileInputTests: XCTestCase {
    var work: URL!
    var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-hostile-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// A PNG whose IHDR says `w` × `h` with a valid CRC and no pixel data.
    func pngHeader(width w: UInt32, height h: UInt32) -> Data {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let ihdr: [UInt8] = Array("IHDR".utf8) + be(w) + be(h) + [8, 2, 0, 0, 0]
        var crc: UInt32 = 0xFFFF_FFFF
        for b in ihdr {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        let chunk = be(13) + ihdr + be(~crc)
        // One IDAT chunk, so libpng gets past the header to where the size is checked.
        let idatBody: [UInt8] = Array("IDAT".utf8) + [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        var crc2: UInt32 = 0xFFFF_FFFF
        for b in idatBody {
            crc2 ^= UInt32(b)
            for _ in 0..<8 { crc2 = crc2 & 1 != 0 ? (crc2 >> 1) ^ 0xEDB8_8320 : crc2 >> 1 }
        }
        let idat = be(8) + idatBody + be(~crc2)
        let iend: [UInt8] = be(0) + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk + idat + iend)
    }

    func testHugeHeadersFailBeforeAllocating() throws {
        for (w, h) in [(UInt32(20_000), UInt32(20_000)), (100_000, 100_000), (9_000, 8_000)] {
            let url = work.appendingPathComponent("huge-\(w).png")
            try pngHeader(width: w, height: h).write(to: url)
            XCTAssertLessThan(try Data(contentsOf: url).count, 100)
            XCTAssertThrowsError(try ImageDecoder.decode(url)) { e in
                XCTAssertEqual(e as? ImageError, .tooLarge(path: url.path, width: Int(w), height: Int(h), limit: ImageDecoder.maxPixels), "\(e)")
                XCTAssertTrue("\(e)".hasPrefix("\(url.path): \(w) × \(h) pixels is more than"), "\(e)")
            }
        }
    }

    func testSymlinkedRootsFoldersAndFilesLoad() throws {
        let nct = fixtures.appendingPathComponent("nct")
        let copied = try Dataset.load(.nct, root: nct)
        // The root itself a link.
        let linkedRoot = work.appendingPathComponent("nct-link")
        try FileManager.default.createSymbolicLink(at: linkedRoot, withDestinationURL: nct)
        XCTAssertEqual(try Dataset.load(.nct, root: linkedRoot).samples.map(\.path), copied.samples.map(\.path))
        // Class folders links, and inside one of them links to files, plus a loop.
        let farm = work.appendingPathComponent("farm")
        try FileManager.default.createDirectory(at: farm, withIntermediateDirectories: true)
        for c in copied.classes where c != "ADI" {
            try FileManager.default.createSymbolicLink(at: farm.appendingPathComponent(c), withDestinationURL: nct.appendingPathComponent(c))
        }
        let adi = farm.appendingPathComponent("ADI")
        try FileManager.default.createDirectory(at: adi, withIntermediateDirectories: true)
        for f in try FileManager.default.contentsOfDirectory(atPath: nct.appendingPathComponent("ADI").path) where !f.hasPrefix(".") {
            try FileManager.default.createSymbolicLink(at: adi.appendingPathComponent(f), withDestinationURL: nct.appendingPathComponent("ADI/\(f)"))
        }
        try FileManager.default.createSymbolicLink(at: adi.appendingPathComponent("loop"), withDestinationURL: farm)
        try FileManager.default.createSymbolicLink(at: adi.appendingPathComponent("dangling.png"), withDestinationURL: work.appendingPathComponent("nothing.png"))
        let linked = try Dataset.load(.nct, root: farm)
        XCTAssertEqual(linked.classes, copied.classes)
        XCTAssertEqual(linked.samples.count, copied.samples.count, "linked files count; the loop and the dangling link add nothing")
        XCTAssertEqual(linked.samples.map(\.path), copied.samples.map(\.path))
    }
}
