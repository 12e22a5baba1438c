import XCTest
import CSiTKit
import TensorKit

/// The corruption operations replayed from PyTorch's stored draws give PyTorch's pixels.
final class CorruptionTests: XCTestCase {
    func rect(_ t: Tensor, _ row: Int) -> PixelRect {
        PixelRect(Int(t[row, 0]), Int(t[row, 1]), Int(t[row, 2]), Int(t[row, 3]))
    }

    func image(_ t: Tensor, _ i: Int) -> Tensor { t.slice(rows: i..<(i + 1)).copy() }

    func testRotationLabelsMatchTorchRot90() throws {
        for name in ["test32-s8-r16", "test32-s16"] {
            let fx = try ModelFixture(name)
            let clean = SSLBatch.rotated(fx.inputs["views"]!, by: fx.ints("rot.labels"))
            XCTAssertEqual(clean.scalars, fx.inputs["clean"]!.scalars, name)
        }
        // k = 1 is clockwise: the top-left pixel moves to the top-right.
        let x = Tensor((0..<4).map(Float.init), shape: [1, 1, 2, 2])
        XCTAssertEqual(SSLBatch.rotated(x, by: [1]).scalars, [2, 0, 3, 1])
    }

    func testReplayedCorruptionsMatchPyTorch() throws {
        for name in ["test32-s8-r16", "test32-s16"] {
            let fx = try ModelFixture(name)
            let S = fx.config.imageSize, n = 2 * fx.batch, per = 3 * S * S
            let clean = fx.inputs["clean"]!
            let afterGray = fx.inputs["corrupt.after_gray"]!, afterBlur = fx.inputs["corrupt.after_blur"]!
            let afterDrop = fx.inputs["corrupt.after_drop"]!, corrupted = fx.inputs["corrupted"]!
            let kernels = fx.ints("corrupt.blur_kernel"), sigmas = fx.inputs["corrupt.blur_sigma"]!.scalars
            let sources = fx.ints("corrupt.replace_src")
            let drops = fx.inputs["corrupt.drop_blocks"]!, replaces = fx.inputs["corrupt.replace_blocks"]!
            for i in 0..<n {
                // 1. grayscale: exact.
                let x = image(clean, i)
                x.withUnsafeMutableBufferPointer {
                    Corruption.grayscale($0.baseAddress!, size: S, rect: rect(fx.inputs["corrupt.gray_rect"]!, i))
                }
                XCTAssertEqual(x.scalars, image(afterGray, i).scalars, "\(name) view \(i) grayscale")
                // 2. blur: up to the order of float additions.
                let y = image(afterGray, i)
                y.withUnsafeMutableBufferPointer {
                    Corruption.blur($0.baseAddress!, size: S, rect: rect(fx.inputs["corrupt.blur_rect"]!, i),
                                    kernel: kernels[i], sigma: sigmas[i])
                }
                assertClose(y, image(afterBlur, i), rtol: 2e-6, "\(name) view \(i) blur")
                // 3. drop: exactly the union of the blocks changes (the noise itself is numpy's).
                var inDrop = Set<Int>()
                for b in 0..<drops.shape[0] where Int(drops[b, 0]) == i {
                    for r in Int(drops[b, 2])..<Int(drops[b, 3]) { for c in Int(drops[b, 4])..<Int(drops[b, 5]) {
                        for ch in 0..<3 { inDrop.insert(ch * S * S + r * S + c) }
                    } }
                }
                let blurred = image(afterBlur, i).scalars, dropped = image(afterDrop, i).scalars
                for p in 0..<per where !inDrop.contains(p) { XCTAssertEqual(blurred[p], dropped[p]) }
                XCTAssertTrue(inDrop.contains { blurred[$0] != dropped[$0] }, "noise fills the blocks")
                // 4. replace: blocks copied from the source view in its state at that time.
                let z = image(afterDrop, i)
                let j = sources[i]
                let src = j < i ? image(corrupted, j) : image(clean, j)
                for b in 0..<replaces.shape[0] where Int(replaces[b, 0]) == i {
                    let block = PixelRect(Int(replaces[b, 2]), Int(replaces[b, 3]), Int(replaces[b, 4]), Int(replaces[b, 5]))
                    Tensor.withUnsafeMutableBufferPointers([z, src]) {
                        Corruption.copy($0[0].baseAddress!, from: $0[1].baseAddress!, size: S, block: block)
                    }
                }
                XCTAssertEqual(z.scalars, image(corrupted, i).scalars, "\(name) view \(i) replace")
            }
        }
    }

    func testLawsRespectTheirBoundsAndSeedsPinDraws() {
        for S in [32, 64, 224] {
            let law = CorruptionLaw(size: S)
            var rng = RNG(seed: UInt64(S))
            XCTAssertEqual(law.tol, max(1, S / 20))
            for _ in 0..<200 {
                let r = law.rect(&rng)
                XCTAssertTrue(r.r0 >= 0 && r.r0 < S - law.tol && r.r1 <= S && r.height >= min(law.tol, S - r.r0))
                let (k, sigma, br) = law.blur(&rng)
                XCTAssertEqual(k % 2, 1)
                XCTAssertTrue(k >= 3 || min(br.height, br.width) < 2 || k == 1)
                XCTAssertTrue(sigma >= 0.1 && sigma < 0.1 + law.sigmaSpan)
                XCTAssertLessThanOrEqual(k / 2, min(br.height, br.width) - 1)
                let (f, blocks) = law.blocks(&rng)
                XCTAssertTrue(f >= 0 && f < 0.3)
                XCTAssertGreaterThanOrEqual(Float(blocks.reduce(0) { $0 + $1.area }), f * Float(S * S))
                for b in blocks { XCTAssertTrue(b.width >= 1 && b.width < law.maxBlock && b.r1 <= S && b.c1 <= S) }
            }
        }
        XCTAssertEqual(CorruptionLaw(size: 224).kernelMax, 15)
        XCTAssertEqual(CorruptionLaw(size: 224).maxBlock, 56)
        var a = RNG(seed: 5), b = RNG(seed: 5)
        let views = Tensor.normal([4, 3, 32, 32], rng: &a)
        _ = Tensor.normal([4, 3, 32, 32], rng: &b)
        let one = SSLBatch.make(views: views, rng: &a), two = SSLBatch.make(views: views, rng: &b)
        XCTAssertEqual(one.corrupted.scalars, two.corrupted.scalars)
        XCTAssertEqual(one.draws, two.draws)
        XCTAssertEqual(one.draws.count, 4)
        XCTAssertTrue(one.draws.prefix(2).allSatisfy { $0.replaceSource < 2 }, "replace stays inside its view batch")
    }
}
