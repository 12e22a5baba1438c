import XCTest
import HistoData
import TensorKit

final class ImageDecoderTests: XCTestCase {
    var dir: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/images") }
    var reference: [String: Tensor] {
        get throws { try SafeTensors.read(Bundle.module.resourceURL!.appendingPathComponent("Fixtures/pillow_reference.safetensors")).tensors }
    }
    /// The repository's bundled sample slide (Aperio SVS: tiled TIFF, JPEG tiles).
    var sampleSlide: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/sample/cmu_small_region.svs")
    }

    func pixels(_ t: Tensor) -> [UInt8] { t.scalars.map { UInt8($0) } }

    func testEveryLayoutDecodesToPillowsPixels() throws {
        let ref = try reference
        for name in ["rgb.png", "gray.png", "rgba.png", "palette.png", "gray16.png", "rgb.jpg", "gray.jpg",
                     "strip.tif", "lzw.tif", "gray.tif"] {
            let image = try ImageDecoder.decode(dir.appendingPathComponent(name))
            XCTAssertEqual(image.width, 48, name)
            XCTAssertEqual(image.height, 40, name)
            let expected = pixels(ref[name]!)
            let worst = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }.max()!
            XCTAssertLessThanOrEqual(worst, name.hasSuffix(".jpg") ? 1 : 0, "\(name): max difference \(worst)")
        }
    }

    func testTiledJPEGSlidePages() throws {
        let page0 = try ImageDecoder.decode(sampleSlide)
        XCTAssertEqual(page0.width, 2220)
        XCTAssertEqual(page0.height, 2967)
        // Mostly white background with stained tissue: both must be present.
        let means = stride(from: 0, to: page0.pixels.count, by: 3 * 997).map { i in
            (Int(page0.pixels[i]) + Int(page0.pixels[i + 1]) + Int(page0.pixels[i + 2])) / 3
        }
        XCTAssertGreaterThan(means.filter { $0 > 220 }.count, means.count / 5)
        XCTAssertGreaterThan(means.filter { $0 < 180 }.count, means.count / 10)
        let thumbnail = try ImageDecoder.decode(sampleSlide, page: 1)
        XCTAssertLessThan(thumbnail.width, 2220)
        XCTAssertThrowsError(try ImageDecoder.decode(sampleSlide, page: 40)) {
            XCTAssertTrue("\($0)".contains("page 40 does not exist"), "\($0)")
        }
    }

    func testDamagedFilesGiveTypedErrorsNamingThePath() {
        let cases: [(String, (ImageError) -> Bool)] = [
            ("truncated.png", { if case .corrupt(_, "PNG", _) = $0 { return true }; return false }),
            ("empty.png", { if case .empty = $0 { return true }; return false }),
            ("cut.jpg", { if case .corrupt(_, "JPEG", _) = $0 { return true }; return false }),
            ("badtag.tif", { if case .corrupt(_, "TIFF", _) = $0 { return true }; return false }),
            ("notes.png", { if case .unsupportedFormat = $0 { return true }; return false }),
            ("missing.png", { if case .unreadable = $0 { return true }; return false }),
        ]
        for (name, matches) in cases {
            let url = dir.appendingPathComponent(name)
            XCTAssertThrowsError(try ImageDecoder.decode(url), name) { error in
                guard let e = error as? ImageError else { return XCTFail("\(name): untyped \(error)") }
                XCTAssertTrue(matches(e), "\(name): \(e)")
                XCTAssertTrue(e.description.contains(url.path), e.description)
            }
        }
    }

    func testPNGEncoderRoundTrip() throws {
        let image = try ImageDecoder.decode(dir.appendingPathComponent("rgb.png"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csit-\(getpid())-roundtrip.png")
        defer { try? FileManager.default.removeItem(at: url) }
        try ImageEncoder.writePNG(image, to: url)
        XCTAssertEqual(try ImageDecoder.decode(url), image)
    }

    func testListingFindsImagesSortedAndSkipsOthers() throws {
        let files = try ImageFiles.list(under: dir).map(\.lastPathComponent)
        XCTAssertEqual(files, files.sorted())
        XCTAssertTrue(files.contains("lzw.tif") && files.contains("rgb.jpg"))
        XCTAssertThrowsError(try ImageFiles.list(under: dir.appendingPathComponent("nope")))
    }
}

final class ImageTransformTests: XCTestCase {
    func testBicubicResizeEqualsPillow() throws {
        let ref = try SafeTensors.read(Bundle.module.resourceURL!.appendingPathComponent("Fixtures/pillow_reference.safetensors")).tensors
        let src = ref["resize.source"]!
        let image = RGBImage(width: src.shape[1], height: src.shape[0], pixels: src.scalars.map { UInt8($0) })
        for (key, w, h) in [("resize.down_40x29", 40, 29), ("resize.up_131x90", 131, 90), ("resize.mixed_50x100", 50, 100)] {
            let out = ImageTransforms.resizeBicubic(image, width: w, height: h)
            let expected = ref[key]!.scalars.map { UInt8($0) }
            let diff = zip(out.pixels, expected).map { abs(Int($0) - Int($1)) }.max()!
            XCTAssertEqual(diff, 0, "\(key): max difference \(diff)")
        }
    }

    func testEvaluationCrop() {
        let image = RGBImage(width: 300, height: 200)
        let crop = ImageTransforms.evaluationCrop(image, size: 64)
        XCTAssertEqual([crop.width, crop.height], [64, 64])
        // 64 · 256/224 = 73: the shorter side becomes 73 before the centre crop.
        XCTAssertEqual(ImageTransforms.resizeShorterSide(image, to: 73).height, 73)
        XCTAssertEqual(ImageTransforms.resizeShorterSide(image, to: 73).width, 109)
        var square = RGBImage(width: 64, height: 64)
        square[3, 5, 1] = 200
        XCTAssertEqual(ImageTransforms.evaluationCrop(square, size: 64), square, "S×S passes through unresized")
        let t = ImageTransforms.batchTensor([square])
        XCTAssertEqual(t.shape, [1, 3, 64, 64])
        XCTAssertEqual(t[0, 1, 3, 5], (200 / 255 - 0.456) / 0.224, accuracy: 1e-5)
        XCTAssertEqual(t[0, 0, 0, 0], -0.485 / 0.229, accuracy: 1e-5)
    }
}
