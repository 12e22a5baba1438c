import XCTest
import TensorKit

final class SafeTensorsTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("csit-tests-\(getpid())"))
    }

    var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    func temporaryURL(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    /// A file written by Python's `safetensors` (tools/make_fixtures.py) reads back to the
    /// values Python recorded, for every dtype it holds.
    func testReadsFileWrittenByPythonSafetensors() throws {
        let (tensors, metadata) = try SafeTensors.read(fixtures.appendingPathComponent("python_written.safetensors"))
        XCTAssertEqual(metadata, ["format": "pt", "preset": "test"])
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixtures.appendingPathComponent("python_written.json"))) as! [String: [String: Any]]
        XCTAssertEqual(Set(tensors.keys), Set(json.keys))
        for (name, entry) in json {
            let t = try XCTUnwrap(tensors[name])
            XCTAssertEqual(t.shape, entry["shape"] as! [Int], name)
            let values = (entry["values"] as! [Any]).map { v -> Float in
                if let s = v as? String { return s == "inf" ? .infinity : -.infinity }
                return (v as! NSNumber).floatValue
            }
            XCTAssertEqual(t.count, values.count, name)
            for (a, b) in zip(t.scalars, values) {
                XCTAssertEqual(a.bitPattern == b.bitPattern || a == b, true, "\(name): \(a) vs \(b)")
            }
        }
        // −0.0 keeps its sign; 6.1e-5 rounds to the float16 subnormal 1023 · 2⁻²⁴.
        let special = tensors["special"]!.scalars
        XCTAssertEqual(special[3].sign, .minus)
        XCTAssertEqual(special[4], 1023 * Float(sign: .plus, exponent: -24, significand: 1))
    }

    func testRoundTripIsExactAndAligned() throws {
        var rng = RNG(seed: 5)
        let tensors = ["b": Tensor.normal([3, 4, 5], rng: &rng), "a.weight": Tensor.normal([7], rng: &rng),
                       "scalar": Tensor(scalar: 2), "empty": Tensor(zeros: [0, 3])]
        let url = temporaryURL("roundtrip.safetensors")
        try SafeTensors.write(tensors, metadata: ["epoch": "3"], to: url)
        let (back, meta) = try SafeTensors.read(url)
        XCTAssertEqual(meta, ["epoch": "3"])
        for (k, t) in tensors {
            XCTAssertEqual(back[k]?.shape, t.shape)
            XCTAssertEqual(back[k]?.scalars, t.scalars)
        }
        let bytes = try Data(contentsOf: url)
        let headerLen = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + headerLen) % 8, 0, "data section must start 8-byte aligned")
        // No temporary file is left beside the result.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertFalse(siblings.contains { $0.contains(".tmp-") })
    }

    func testTypedErrorsNameTheFile() throws {
        let good = try Data(contentsOf: fixtures.appendingPathComponent("python_written.safetensors"))
        func expectError(_ data: Data, _ name: String, _ check: (SafeTensorsError) -> Bool) throws {
            let url = temporaryURL(name)
            try data.write(to: url)
            XCTAssertThrowsError(try SafeTensors.read(url)) { error in
                guard let e = error as? SafeTensorsError else { return XCTFail("untyped error \(error)") }
                XCTAssertTrue(check(e), "\(e)")
                XCTAssertTrue(e.description.contains(url.path), e.description)
            }
        }
        try expectError(Data(), "zero.safetensors") { if case .truncated = $0 { return true }; return false }
        // A length field of 2⁶³: one clear line, no negative byte counts.
        try expectError(Data([0, 0, 0, 0, 0, 0, 0, 0x80]) + Data("{}".utf8), "huge-length.safetensors") {
            $0.description.hasSuffix("invalid safetensors header: its length field says 9223372036854775808 bytes, but the file has 2 after it")
        }
        // A write that fails says so (not "cannot read").
        let folder = temporaryURL("a-folder.safetensors")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertThrowsError(try SafeTensors.write(["x": Tensor([1], shape: [1])], to: folder)) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(folder.path): cannot write the file: "), "\(e)")
        }
        try expectError(good.prefix(good.count - 10), "cut.safetensors") { if case .badOffsets = $0 { return true }; return false }
        try expectError(good.prefix(20), "header-cut.safetensors") { if case .truncated = $0 { return true }; return false }
        var badJSON = good
        badJSON[8] = UInt8(ascii: "[")
        try expectError(badJSON, "json.safetensors") { if case .badHeader = $0 { return true }; return false }
        func file(header: String) -> Data {
            var d = Data()
            var n = UInt64(header.utf8.count).littleEndian
            withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
            d.append(header.data(using: .utf8)!)
            d.append(Data(count: 16))
            return d
        }
        try expectError(file(header: #"{"x":{"dtype":"C64","shape":[2],"data_offsets":[0,16]}}"#), "dtype.safetensors") {
            if case .unsupportedDType(_, "x", "C64") = $0 { return true }; return false
        }
        try expectError(file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#), "size.safetensors") {
            if case .badOffsets(_, "x", _) = $0 { return true }; return false
        }
        XCTAssertThrowsError(try SafeTensors.read(temporaryURL("missing.safetensors"))) {
            XCTAssertTrue(($0 as? SafeTensorsError)?.description.contains("missing.safetensors") ?? false)
        }
    }
}
