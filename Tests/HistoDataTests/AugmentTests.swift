import XCTest
import HistoData
import TensorKit

final class AugmentTests: XCTestCase {
    /// Views rebuilt from PyTorch's stored draws (crop, flip, jitter order and factors) match
    /// the PIL pipeline's uint8 views. Pillow ≥ 12 sometimes runs the vertical resampling
    /// pass first (when height shrinks much more than width); csit keeps Pillow's classic
    /// horizontal-first order, so a few pixels of such crops may differ by a few levels.
    func testReplayedViewsMatchPillow() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CSiTKitTests/Fixtures")
        for name in ["test32-s8-r16", "test32-s16"] {
            let t = try SafeTensors.read(dir.appendingPathComponent("\(name)/inputs.safetensors")).tensors
            let src = t["source.images"]!, views = t["views.uint8"]!
            let (B, H, W) = (src.shape[0], src.shape[2], src.shape[3])
            let S = views.shape[2]
            var worst = 0, total = 0
            for v in 0..<(2 * B) {
                let b = v % B
                var image = RGBImage(width: W, height: H)
                for y in 0..<H { for x in 0..<W { for c in 0..<3 { image[y, x, c] = UInt8(src[b, c, y, x]) } } }
                let crop = t["aug.crop"]!, factors = t["aug.jitter_factors"]!, order = t["aug.jitter_order"]!
                let draw = AugmentDraw(top: Int(crop[v, 0]), left: Int(crop[v, 1]), height: Int(crop[v, 2]), width: Int(crop[v, 3]),
                                       flip: t["aug.flip"]![v] == 1, factors: (0..<3).map { factors[v, $0] },
                                       order: (0..<3).map { Int(order[v, $0]) })
                let out = Augment.apply(draw, to: image, size: S)
                for y in 0..<S { for x in 0..<S { for c in 0..<3 {
                    worst = max(worst, abs(Int(out[y, x, c]) - Int(views[v, c, y, x])))
                    total += abs(Int(out[y, x, c]) - Int(views[v, c, y, x]))
                } } }
            }
            XCTAssertLessThanOrEqual(worst, 4, "\(name): max pixel difference \(worst)")
            let mean = Double(total) / Double(views.count)
            XCTAssertLessThan(mean, 0.25, "\(name): mean pixel difference \(mean)")
        }
    }

    func testJitterOperatorsFollowPillow() {
        var im = RGBImage(width: 2, height: 1, pixels: [200, 100, 50, 10, 20, 30])
        XCTAssertEqual(Augment.brightness(im, 1.4).pixels, [255, 140, 70, 14, 28, 42])
        XCTAssertEqual(Augment.brightness(im, 0.5).pixels, [100, 50, 25, 5, 10, 15])
        XCTAssertEqual(Augment.saturation(im, 0).pixels[0], Augment.saturation(im, 0).pixels[1], "saturation 0 is grey")
        im = Augment.contrast(im, 0)
        XCTAssertEqual(Set(im.pixels).count, 1, "contrast 0 is the mean grey")
    }

    func testMixupCutmixAndErasing() {
        var rng = RNG(seed: 3)
        let images = Tensor.normal([4, 3, 8, 8], rng: &rng)
        var cfg = BatchMixing.MixupConfig()
        cfg.cutmixAlpha = 0
        let mixed = images.copy()
        let targets = BatchMixing.mix(mixed, labels: [0, 1, 2, 1], classes: 3, config: cfg, rng: &rng)
        XCTAssertEqual(targets.shape, [4, 3])
        for b in 0..<4 { XCTAssertEqual((0..<3).map { targets[b, $0] }.reduce(0, +), 1, accuracy: 1e-5) }
        // Image 0 is a blend of images 0 and 3 with the targets' weight.
        let lambda = (targets[0, 0] - 0.1 / 3) / 0.9
        XCTAssertEqual(mixed[0, 1, 2, 3], lambda * images[0, 1, 2, 3] + (1 - lambda) * images[3, 1, 2, 3], accuracy: 1e-4)
        cfg = BatchMixing.MixupConfig(); cfg.mixupAlpha = 0
        let cut = images.copy()
        let t2 = BatchMixing.mix(cut, labels: [0, 1, 2, 1], classes: 3, config: cfg, rng: &rng)
        let changed = zip(cut.scalars, images.scalars).prefix(3 * 64).filter { $0 != $1 }.count
        let area = 1 - (t2[0, 0] - 0.1 / 3) / 0.9
        XCTAssertEqual(Float(changed) / Float(3 * 64), area, accuracy: 0.02, "cutmix λ is the kept area")
        let erased = images.copy()
        BatchMixing.randomErase(erased, probability: 1, rng: &rng)
        let (after, before) = (erased.scalars, images.scalars)
        XCTAssertTrue((0..<4).allSatisfy { b in (0..<192).contains { after[b * 192 + $0] != before[b * 192 + $0] } })
    }
}

final class LoaderTests: XCTestCase {
    func testBatchesAreIdenticalForOneAndTwoWorkers() throws {
        let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/nct")
        let d = try Dataset.load(.nct, root: root)
        let data = TrainingData(dataset: d, indices: Array(d.samples.indices), imageSize: 24, batchSize: 4, seed: 5)
        func run(workers: Int) throws -> [[Float]] {
            let order = data.order(epoch: 1)
            let p = Prefetcher(count: data.stepsPerEpoch, workers: workers, depth: 3) { step in
                try data.sslViews(epoch: 1, step: step, order: order).views.scalars
            }
            var out: [[Float]] = []
            while let b = try p.next() { out.append(b) }
            return out
        }
        let one = try run(workers: 1), two = try run(workers: 2)
        XCTAssertEqual(one.count, 6)
        XCTAssertEqual(one, two)
        XCTAssertNotEqual(data.order(epoch: 1), data.order(epoch: 2))
        let labeled = try data.labeledBatch(epoch: 0, step: 0, order: data.order(epoch: 0))
        XCTAssertEqual(labeled.images.shape, [4, 3, 24, 24])
        let eval = try data.evaluationBatch(6, batchSize: 4)
        XCTAssertEqual(eval.images.shape[0], 3, "the last evaluation batch is short")
    }

    func testPrefetcherPropagatesErrors() {
        struct Boom: Error {}
        let p = Prefetcher(count: 3, workers: 2) { i -> Int in if i == 1 { throw Boom() }; return i }
        XCTAssertEqual(try p.next(), 0)
        XCTAssertThrowsError(try p.next())
    }

    /// A consumer that stops early (an error, a break) drops the prefetcher: its workers stop
    /// and release what they hold, instead of blocking forever with the prefetcher alive.
    func testDroppingAPrefetcherStopsItsWorkers() {
        final class Probe: @unchecked Sendable {}
        weak var probe: Probe?
        do {
            let p = Probe()
            probe = p
            let prefetcher = Prefetcher(count: 1000, workers: 3, depth: 2) { i -> Int in _ = p; return i }
            XCTAssertEqual(try prefetcher.next(), 0)
        }
        XCTAssertNil(probe, "a worker still holds the producer after the prefetcher was dropped")
        let p = Prefetcher(count: 1000, workers: 2) { $0 }
        p.cancel()
        XCTAssertNil(try p.next(), "nothing after cancel")
    }
}
