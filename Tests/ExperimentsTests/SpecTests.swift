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
                    "spec.yaml:7:13: modes[1] = lle: expected one of ft, le, mlp, ssl-ft, random-le, random-mlp")
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
        XCTAssertEqual(spec.design?.data.root, "/mnt/x")
        XCTAssertEqual(spec.design?.modes, [.ft])
        let plan = try Plan.make(spec)
        XCTAssertEqual(plan.runs.count, 3)
        XCTAssertTrue(plan.runs.allSatisfy { $0.config.epochs == 5 && $0.config.root == "/mnt/x" && $0.config.lr == 1e-3 })
    }

    /// The spec is decoded once into types: the planner and the tables read these, not text.
    func testSpecDecodesIntoTypedDesignAndTables() throws {
        let spec = try parse((base + """

        ssl:
          checkpoint: /ck.safetensors
        protocol:
          folds: 5
          group_by: patient
          run_folds: [0, 2]
          label_fractions: [0.1, 1]
          seeds: [3, 4]
        tables:
          - name: by-mode
            title: T
            columns: [macro_f1, kappa]
            format: "%.1f"
            percent: true
            modes: [ft]
            reference:
              FT:
                macro_f1: 93.0
        """).replacingOccurrences(of: "protocol:\n  folds: 3\n", with: ""))
        let d = try XCTUnwrap(spec.design)
        XCTAssertEqual(d.data.kind, .imageFolder)
        XCTAssertEqual(d.evaluation.folds, 5)
        XCTAssertTrue(d.evaluation.groupByPatient)
        XCTAssertEqual(d.evaluation.foldList, [0, 2])
        XCTAssertEqual(d.evaluation.labelFractions, [0.1, 1])
        XCTAssertEqual(d.evaluation.seeds, [3, 4])
        XCTAssertEqual(d.modes, [.ft, .le])
        XCTAssertEqual(d.ssl?.checkpoint, "/ck.safetensors")
        XCTAssertFalse(d.pretrains, "a given SSL checkpoint means no pretraining run")
        XCTAssertEqual(spec.points.count, 1)
        XCTAssertEqual(spec.points[0].label, "")
        let t = try XCTUnwrap(spec.tables.first)
        XCTAssertEqual(t.name, "by-mode")
        XCTAssertEqual(t.columns.map(\.metric), [.macroF1, .kappa])
        XCTAssertEqual(t.rows, .mode)
        XCTAssertEqual(t.modes, [.ft])
        XCTAssertTrue(t.percent)
        XCTAssertEqual(t.reference["FT"]?["macro_f1"], 93.0)
    }

    /// Found: the planner read `protocol.seeds` from the spec without its sweep values, so a
    /// sweep over seeds silently planned seed 0 only.
    func testSweepOverProtocolKeysReachesThePlan() throws {
        let spec = try parse(base + "\nsweep:\n  list:\n    - protocol.seeds: [1]\n    - protocol.seeds: [2, 3]\n      protocol.run_folds: [1]\n")
        XCTAssertEqual(spec.points.map(\.design.evaluation.seeds), [[1], [2, 3]])
        let plan = try Plan.make(spec)
        XCTAssertEqual(Set(plan.runs.map(\.config.seed)), [1, 2, 3])
        // Point 1: 2 modes × 3 folds × seed 1; point 2: 2 modes × fold 1 × seeds 2, 3; an SSL
        // pretraining per point and seed for the linear probe.
        XCTAssertEqual(plan.runs.filter { $0.config.mode != .ssl }.count, 6 + 4)
        XCTAssertEqual(plan.sslRuns.map(\.config.seed).sorted(), [1, 2, 3])
        XCTAssertEqual(Set(plan.runs.filter { $0.config.seed != 1 }.compactMap(\.config.fold)), [1])
    }

    /// Table entries that would write outside the results folder, print garbage (or crash in
    /// `String(format:)`) or silently drop a reference are refused where they are written.
    func testTableEntriesAreCheckedWhenDecoded() {
        let table = base + "\ntables:\n  - columns: [accuracy]\n"
        expectError(table + "    name: ../../x\n",
                    "spec.yaml:14:11: tables[0].name = ../../x: expected a file name (no '/', not starting with '.')")
        expectError(table + "    format: \"%s\"\n",
                    "spec.yaml:14:13: tables[0].format = %s: expected one printf conversion of a number, such as %.3f or %.1f")
        expectError(table + "    format: \"%.3f%.3f\"\n",
                    "spec.yaml:14:13: tables[0].format = %.3f%.3f: expected one printf conversion of a number, such as %.3f or %.1f")
        expectError(table + "    format: \"%999999f\"\n",
                    "spec.yaml:14:13: tables[0].format = %999999f: expected one printf conversion of a number, such as %.3f or %.1f")
        expectError(table + "    reference:\n      FT:\n        acc: 1\n",
                    "spec.yaml:16:14: tables[0].reference.FT.acc = acc: expected one of accuracy, macro_recall, macro_precision, "
                    + "macro_f1, weighted_f1, kappa, macro_auc, positive_precision, positive_recall, positive_f1, positive_auc")
        expectError(base + "\nsweep:\n  grid:\n    name: [a, b]\n",
                    "spec.yaml:14:11: sweep = name: expected a key that changes runs (not description, name, results, sweep, tables)")
        expectError(table + "    name: a\n  - columns: [kappa]\n    name: a\n",
                    "spec.yaml:16:11: tables[1].name = a: expected a name no other table has")
        expectError(table + "  - columns: [kappa]\n    name: main\n",
                    "spec.yaml:15:11: tables[1].name = main: expected a name no other table has")
        XCTAssertNoThrow(try parse(table + "    format: \"%5.1f %%\"\n    name: main-2.v1\n"))
    }

    /// Hydra's multirun spelling: `--set key=a,b` sweeps the key (it was refused); a list in
    /// brackets stays one value; a key swept by zip or list cannot also be a grid axis.
    func testSetWithCommasSweeps() throws {
        let spec = try parse(base, overrides: ["train.ft.lr=1e-3,3e-3", "modes=[ft, le]", "train.epochs=3"])
        XCTAssertEqual(spec.points.map(\.label), ["train.ft.lr=1e-3", "train.ft.lr=3e-3"])
        XCTAssertEqual(spec.design?.modes, [.ft, .le])
        let plan = try Plan.make(spec)
        XCTAssertEqual(Set(plan.runs.filter { $0.config.mode == .ft }.map(\.config.lr)), [1e-3, 3e-3])
        XCTAssertTrue(plan.runs.filter { $0.config.mode != .ssl }.allSatisfy { $0.config.epochs == 3 })
        expectError(base + "\nsweep:\n  zip:\n    train.ft.lr: [1, 2]\n", overrides: ["train.ft.lr=1e-3,3e-3"],
                    "--set train.ft.lr=1e-3,3e-3: 'train.ft.lr' is already swept in sweep.zip or sweep.list")
        expectError(base + "\nsweep:\n  grid:\n    train.ft.lr: [1, 2]\n", overrides: ["train.ft.lr=0.5"],
                    "--set train.ft.lr=0.5: 'train.ft.lr' is also swept (spec.yaml:14:18); give the sweep's values as --set train.ft.lr=a,b")
        expectError(base, overrides: ["=1,2"], "--set =1,2: expected key.path=value")
        expectError(base.replacingOccurrences(of: "  folds: 3", with: "  folds: 3\n  run_folds: [0, 3]"),
                    "spec.yaml:7:18: protocol.run_folds[1] = 3: expected a fold index in 0…2")
        expectError(base.replacingOccurrences(of: "  folds: 3", with: "  run_folds: [0]"),
                    "spec.yaml:6:14: protocol.run_folds = [0]: expected protocol.folds beside it (run_folds picks folds of a CV)")
        expectError(base, overrides: ["train.ft.lr=1e-3,0.001"], "--set train.ft.lr=1e-3,0.001: the value '0.001' is given twice")
        expectError(base, overrides: ["train.ft.lr=1e-3,3e-3", "train.ft.lr=5e-3"],
                    "--set train.ft.lr=5e-3: 'train.ft.lr' is also swept (--set train.ft.lr=1e-3,3e-3); give the sweep's values as --set train.ft.lr=a,b")
        XCTAssertEqual(try parse(base, overrides: ["description=a, b"]).points.count, 1, "a comma in text is text")
        expectError(base, overrides: ["train.epochs=1,zero"], "--set train.epochs=1,zero: train.epochs: expected an integer in 1…100000")
    }
}
