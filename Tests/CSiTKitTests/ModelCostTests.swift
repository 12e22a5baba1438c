import CSiTKit
import XCTest

/// The FLOPs per image the plan's wall-clock estimate uses, against PyTorch's
/// FlopCounterMode on the reference model. Reference values from
/// `python3 ../shared/bench/torch_csit.py --bench --preset P --image-size S --token-stride T
/// --batch 2 --threads 1 --steps 1 --warmup 0 --no-wait` (gflop_per_image).
final class ModelCostTests: XCTestCase {
    func testFLOPsPerImageAgreeWithPyTorchsCounter() throws {
        let reference: [(String, Int, Int, CSiTConfig.Workload, Double)] = [
            ("csit-tiny", 64, 8, .ssl, 0.372), ("csit-tiny", 64, 8, .training, 0.181), ("csit-tiny", 64, 8, .inference, 0.067),
            ("csit-compact", 224, 16, .ssl, 21.748), ("csit-compact", 224, 16, .training, 10.7), ("csit-compact", 224, 16, .inference, 3.645),
        ]
        for (preset, size, stride, workload, torch) in reference {
            let c = try CSiTConfig.preset(preset, imageSize: size, tokenStride: stride)
            let ours = c.gflopPerImage(workload)
            XCTAssertEqual(ours, torch, accuracy: 0.05 * torch, "\(preset) \(size)/\(stride) \(workload.rawValue)")
        }
    }

    /// A frozen backbone costs one forward pass and the heads' backward: far below training.
    func testFrozenBackboneCostsAboutOneForwardPass() throws {
        let c = try CSiTConfig.preset("csit-compact")
        XCTAssertEqual(c.gflopPerImage(.frozenBackbone), c.gflopPerImage(.inference), accuracy: 0.001 * c.gflopPerImage(.inference))
        XCTAssertGreaterThan(c.gflopPerImage(.training), 2.5 * c.gflopPerImage(.frozenBackbone))
    }
}
