import XCTest
import Experiments
import Training

final class SpecTests: XCTestCase {
    let base = """
    name: t
    dataset:
      kind: imagefolder
      root: /data/x
    protocol:
      folds: 3
    modes: [ft, le]
    train:
      epochs: 2
      ft:
        lr: 1.0e-3
    """

    func parse(_ text: String, overrides: [String] = [], env: [String: String] = [:]) throws -> ExperimentSpec {
        try ExperimentSpec.parse(text, file: "spec.yaml", overrides: overrides, environment: env, checkPaths: false)
    }

    func expectError(_ text: String, overrides: [String] = [], env: [String: String] = [:], checkPaths: Bool = false,
                     _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ExperimentSpec.parse(text, file: "spec.yaml", overrides: overrides, environment: env,
                                                      checkPaths: checkPaths), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testInvalidSpecsNameFileLineColumnAndKey() {
        expectError(base.replacingOccurrences(of: "  epochs: 2", with: "  epocs: 2"),
                    "spec.yaml:9:10: unknown key 'train.epocs' (did you mean 'train.epochs'?)")
        expectError(base.replacingOccurrences(of: "  epochs: 2", with: "  epochs: two"), "spec.yaml:9:11: train.epochs: expected an integer in 1…100000")
        expectError(base.replacingOccurrences(of: "  folds: 3", with: "  folds: 1"), "spec.yaml:6:10: protocol.folds = 1: expected an integer in 2…100")
        expectError(base.replacingOccurrences(of: "modes: [ft, le]", with: "modes: [ft, lle]"),
                    "spec.yaml:7:13: modes[1] = lle: expected one of ft, le, mlp, ssl-ft")
        expectError(base.replacingOccurrences(of: "name: t\n", with: ""), "spec.yaml:1:1: missing required key 'name'")
        expectError(base, checkPaths: true, "spec.yaml:4:9: dataset.root: no such file or folder '/data/x'")
        expectError(base + "\nsweep:\n  grid:\n    train.ft.lrr: [1, 2]\n",
                    "spec.yaml:14:19: sweep over 'train.ft.lrr', which is not a spec key (did you mean 'train.ft.lr'?)")
        expectError(base + "\nsweep:\n  grid:\n    train.epochs: [1, 0]\n", "spec.yaml:14:23: train.epochs = 0: expected an integer in 1…100000")
        expectError(base.replacingOccurrences(of: "/data/x", with: "${DATA}/x"),
                    "spec.yaml:4:9: environment variable 'DATA' is not set (write ${DATA:-default} for a default)")
        expectError(base, overrides: ["train.lrr=1"], "--set train.lrr=1: no key 'train.lrr' (did you mean 'train.lr'?)")
        XCTAssertThrowsError(try parse("name: [")) { XCTAssertTrue("\($0)".hasPrefix("spec.yaml: YAML syntax error"), "\($0)") }
    }

    func testEnvironmentAndOverrides() throws {
        let spec = try parse(base.replacingOccurrences(of: "/data/x", with: "${DATA:-/fallback}/x"), overrides: ["train.epochs=5", "modes=[ft]"],
                             env: ["DATA": "/mnt"])
        XCTAssertEqual(spec.tree.value(at: ["dataset", "root"])?.canonical, "/mnt/x")
        XCTAssertEqual(spec.tree.value(at: ["train", "epochs"])?.canonical, "5")
        let plan = try Plan.make(spec)
        XCTAssertEqual(plan.runs.count, 3)
        XCTAssertTrue(plan.runs.allSatisfy { $0.config.epochs == 5 && $0.config.root == "/mnt/x" && $0.config.lr == 1e-3 })
    }
}
