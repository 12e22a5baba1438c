import XCTest
import Experiments
import TensorKit
import Training
import HistoData

final class PlannerTests: XCTestCase {
    func spec(folds: Int?, zooms: [String]?, fractions: [Double], seeds: [Int], modes: [String], grid: [String: [String]],
              sslCheckpoint: Bool = false) throws -> ExperimentSpec {
        var y = "name: gen\ndataset:\n  kind: breakhis\n  root: /nowhere\nprotocol:\n"
        if let folds { y += "  folds: \(folds)\n" }
        if let zooms { y += "  zooms: [\(zooms.joined(separator: ", "))]\n" }
        y += "  label_fractions: [\(fractions.map { String($0) }.joined(separator: ", "))]\n"
        y += "  seeds: [\(seeds.map(String.init).joined(separator: ", "))]\n"
        y += "modes: [\(modes.joined(separator: ", "))]\n"
        if sslCheckpoint { y += "ssl:\n  checkpoint: /ckpt.safetensors\n" }
        if !grid.isEmpty {
            y += "sweep:\n  grid:\n"
            for (k, v) in grid.sorted(by: { $0.key < $1.key }) { y += "    \(k): [\(v.joined(separator: ", "))]\n" }
        }
        return try ExperimentSpec.parse(y, file: "gen.yaml", checkPaths: false)
    }

    /// Counts over many generated specs: downstream runs = points × seeds × modes × folds ×
    /// zooms × fractions, minus duplicates; one SSL run per (SSL-relevant point, seed).
    func testCountsDedupAndSharedPretraining() throws {
        var rng = RNG(seed: 0x5eed, stream: "planner-property")
        let allModes = ["ft", "le", "mlp", "ssl-ft"]
        for _ in 0..<40 {
            let folds = Bool.random(using: &rng) ? Int.random(in: 2...5, using: &rng) : nil
            let zooms = Bool.random(using: &rng) ? Array(["40X", "100X", "200X", "400X"].prefix(Int.random(in: 1...4, using: &rng))) : nil
            let fractions = Array([1.0, 0.1, 0.01].prefix(Int.random(in: 1...3, using: &rng)))
            let seeds = Array(0..<Int.random(in: 1...3, using: &rng))
            let modes = Array(allModes.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng)))
            // A sweep over the fine-tuning lr (only ft runs differ) and maybe over SSL epochs.
            var grid: [String: [String]] = ["train.ft.lr": ["1.0e-3", "2.0e-3"]]
            let sslSweep = Bool.random(using: &rng)
            if sslSweep { grid["ssl.epochs"] = ["1", "2", "3"] }
            let s = try spec(folds: folds, zooms: zooms, fractions: fractions, seeds: seeds, modes: modes, grid: grid)
            let plan = try Plan.make(s)
            let cells = (folds ?? 1) * (zooms?.count ?? 1) * fractions.count * seeds.count
            let sslPoints = sslSweep ? 3 : 1
            let ftRuns = modes.contains("ft") ? 2 * cells : 0                 // the lr sweep doubles ft only
            let pretrained = modes.filter { $0 != "ft" }.count * cells * sslPoints
            XCTAssertEqual(plan.runs.filter { $0.config.mode != .ssl }.count, ftRuns + pretrained, "\(modes) \(cells)")
            let needsSSL = modes.contains { $0 != "ft" }
            XCTAssertEqual(plan.sslRuns.count, needsSSL ? seeds.count * sslPoints : 0)
            XCTAssertEqual(Set(plan.runs.map(\.id)).count, plan.runs.count, "ids are unique")
            for r in plan.runs where ["le", "mlp", "ssl-ft"].contains(r.config.mode.rawValue) {
                let dep = try XCTUnwrap(r.dependsOn)
                XCTAssertEqual(plan.run(dep)?.config.seed, r.config.seed)
            }
        }
    }

    func testIdentityIsStableAndChangesWithTheConfig() throws {
        let a = try Plan.make(try spec(folds: 3, zooms: nil, fractions: [1], seeds: [0], modes: ["ft"], grid: [:]))
        let b = try Plan.make(try spec(folds: 3, zooms: nil, fractions: [1], seeds: [0], modes: ["ft"], grid: [:]))
        XCTAssertEqual(a.runs.map(\.id), b.runs.map(\.id))
        let c = try Plan.make(try spec(folds: 3, zooms: nil, fractions: [1], seeds: [0, 1], modes: ["ft"], grid: [:]))
        XCTAssertEqual(Set(a.runs.map(\.id)).subtracting(c.runs.map(\.id)), [], "adding a seed keeps the old runs")
        XCTAssertEqual(c.runs.count, 6)
        // Two entries resolving to the same run share it: a sweep over a value that is equal.
        let d = try Plan.make(try spec(folds: 3, zooms: nil, fractions: [1], seeds: [0], modes: ["ft"], grid: ["train.ft.lr": ["5.0e-4", "0.0005"]]))
        XCTAssertEqual(d.runs.count, 3)
        XCTAssertTrue(d.runs.allSatisfy { $0.labels.count == 2 })
        let e = try Plan.make(try spec(folds: 3, zooms: nil, fractions: [1], seeds: [0], modes: ["le"], grid: [:], sslCheckpoint: true))
        XCTAssertTrue(e.sslRuns.isEmpty)
        XCTAssertTrue(e.runs.allSatisfy { $0.config.initCheckpoint == "/ckpt.safetensors" && $0.dependsOn == nil })
    }

    /// A random-init control needs no pretraining, starts from no checkpoint, and trains as
    /// its probe: `train.le` applies to random-le, then `train.random-le` overrides it.
    func testRandomInitControlsPlanWithoutPretrainingAndTakeTheirProbesSettings() throws {
        let y = """
        name: controls
        dataset: {kind: breakhis, root: /nowhere}
        protocol: {folds: 3, seeds: [0]}
        modes: [ft, random-le, random-mlp]
        train:
          le: {lr: 0.25, epochs: 7}
          mlp: {lr: 0.125, epochs: 5}
          random-mlp: {lr: 0.5}
        """
        let plan = try Plan.make(try ExperimentSpec.parse(y, file: "controls.yaml", checkPaths: false))
        XCTAssertTrue(plan.sslRuns.isEmpty, "no SSL run is planned for controls")
        let rle = plan.runs.filter { $0.config.mode == .randomLE }, rmlp = plan.runs.filter { $0.config.mode == .randomMLP }
        XCTAssertEqual(rle.count, 3)
        XCTAssertEqual(rmlp.count, 3)
        for r in rle + rmlp {
            XCTAssertNil(r.dependsOn)
            XCTAssertNil(r.config.initCheckpoint)
            XCTAssertEqual(r.config.epochs, r.config.mode == .randomLE ? 7 : 5, "train.le / train.mlp reach \(r.config.mode.rawValue)")
            XCTAssertEqual(r.config.weightDecay, RunConfig.paper(.le).weightDecay)
        }
        XCTAssertEqual(rle[0].config.lr, 0.25)
        XCTAssertEqual(rmlp[0].config.lr, 0.5, "train.random-mlp overrides train.mlp")
        XCTAssertEqual(rmlp[0].config.representationSize, 1024)
    }
}

/// Every setting a spec may place reaches the planned configuration (generated from the
/// settings table), and only identity settings name runs.
final class SpecSettingsTests: XCTestCase {
    let base = "name: s\ndataset:\n  kind: nct\n  root: /nowhere\nprotocol:\n  folds: 3\nmodes: [ft]\n"

    func plan(_ yaml: String) throws -> Plan { try Plan.make(try ExperimentSpec.parse(base + yaml, file: "s.yaml", checkPaths: false)) }

    /// A value other than the ft paper default that fits the setting's domain.
    func other(_ setting: RunSetting) -> String {
        // Architecture values that build with csit-compact (width 192, 6 heads, stride 16).
        if let v = ["dim": "96", "heads": "3", "image_size": "112"][setting.key] { return v }
        let current = setting.defaultText(for: .ft)
        switch setting.domain {
        case .integer(let r): return [r.lowerBound, r.lowerBound + 1].map(String.init).first { $0 != current }!
        case .number(let r): return [r.upperBound, r.lowerBound].map { "\($0)" }.first { Double($0) != current.flatMap(Double.init) }!
        case .flag: return current == "true" ? "false" : "true"
        case .choice(let v): return v.first { $0 != current }!
        case .subset(let v): return v[0]
        case .text, .path: return "elsewhere"
        }
    }

    /// The SSL-only settings (the pretext-task ablation) reach the SSL run from the `ssl:`
    /// block and rename it and the runs that start from it; at their defaults they change no id.
    func testSSLSettingsReachTheSSLRunOnly() throws {
        let ssl = "ssl:\n  dataset: {root: /nowhere-u}\n"
        let base = try Plan.make(try ExperimentSpec.parse(self.base.replacingOccurrences(of: "[ft]", with: "[le]") + ssl, file: "s.yaml", checkPaths: false))
        let defaults = try XCTUnwrap(base.runs.first { $0.config.mode == .ssl })
        let explicit = try Plan.make(try ExperimentSpec.parse(self.base.replacingOccurrences(of: "[ft]", with: "[le]") + ssl
            + "  tasks: [reconstruction, contrastive, rotation]\n  loss_weighting: uncertainty\n", file: "s.yaml", checkPaths: false))
        XCTAssertEqual(explicit.runs.map(\.id), base.runs.map(\.id), "the defaults written out keep every id")
        for setting in RunSetting.all where setting.placement == .ssl {
            let value = other(setting)
            let p = try Plan.make(try ExperimentSpec.parse(self.base.replacingOccurrences(of: "[ft]", with: "[le]") + ssl
                + "  \(setting.key): \(setting.domain == .choice(["uncertainty", "equal"]) ? value : "[\(value)]")\n", file: "s.yaml", checkPaths: false))
            let r = try XCTUnwrap(p.runs.first { $0.config.mode == .ssl }), le = try XCTUnwrap(p.runs.first { $0.config.mode == .le })
            XCTAssertEqual(setting.text(in: RunSettings(config: r.config, execution: r.execution)), value, setting.key)
            XCTAssertNotEqual(r.id, defaults.id, setting.key)
            XCTAssertEqual(setting.text(in: RunSettings(config: le.config, execution: le.execution)), setting.defaultText(for: .le),
                           "\(setting.key) reached a downstream run")
            XCTAssertNotEqual(le.id, base.runs.first { $0.config.mode == .le }?.id, "\(setting.key): the LE run starts from another SSL run")
        }
    }

    func testSSLSettingsAreLocatedErrorsElsewhere() {
        let ssl = "ssl:\n  dataset: {root: /nowhere-u}\n"
        for (yaml, message) in [
            ("train:\n  tasks: [rotation]\n", "s.yaml:9:10: unknown key 'train.tasks' (did you mean 'ssl.tasks'?)"),
            (ssl + "  tasks: []\n", "s.yaml:10:10: ssl.tasks = []: expected a non-empty list"),
            (ssl + "  tasks: [rotation, spin]\n", "s.yaml:10:21: ssl.tasks[1] = spin: expected one of rotation, contrastive, reconstruction"),
            (ssl + "  tasks: [rotation, rotation]\n", "s.yaml:10:10 ssl.tasks: tasks = rotation,rotation: expected a non-empty list of distinct values"),
            (ssl + "  loss_weighting: learned\n", "s.yaml:10:19: ssl.loss_weighting = learned: expected one of uncertainty, equal"),
        ] {
            // An LE run needs the SSL run, so its settings are resolved.
            let spec = base.replacingOccurrences(of: "[ft]", with: "[le]") + yaml
            XCTAssertThrowsError(try Plan.make(try ExperimentSpec.parse(spec, file: "s.yaml", checkPaths: false)), yaml) { e in
                XCTAssertTrue("\(e)".hasPrefix(message), "\(e)")
            }
        }
    }

    func testEverySpecSettingReachesTheConfigAndTheID() throws {
        let defaultRun = try XCTUnwrap(plan("").runs.first)
        for setting in RunSetting.all where setting.placement == .train || setting.placement == .model {
            let value = other(setting)
            let yaml = setting.placement == .model ? "model:\n  \(setting.key): \(value)\n" : "train:\n  ft:\n    \(setting.key): \(value)\n"
            let p: Plan
            do { p = try plan(yaml) } catch { XCTFail("\(setting.key) = \(value): \(error)"); continue }
            let r = try XCTUnwrap(p.runs.first)
            let s = RunSettings(config: r.config, execution: r.execution)
            XCTAssertEqual(setting.text(in: s).flatMap(Double.init) ?? 0, Double(value) ?? 0, setting.key)
            if Double(value) == nil { XCTAssertEqual(setting.text(in: s), value, setting.key) }
            if setting.role == .identity { XCTAssertNotEqual(r.id, defaultRun.id, "\(setting.key) does not change the run id") }
            else { XCTAssertEqual(r.id, defaultRun.id, "\(setting.key) is execution only but changes the run id") }
        }
    }

    /// A sweep over the architecture plans one run per point (it used to plan identical runs
    /// and merge them, because the resolver ignored model.depth).
    func testSweepOverModelDepthPlansDistinctRuns() throws {
        let p = try plan("model:\n  preset: csit-tiny\nsweep:\n  grid:\n    model.depth: [2, 3]\n")
        XCTAssertEqual(p.runs.count, 6)
        XCTAssertEqual(Set(p.runs.compactMap(\.config.depth)), [2, 3])
        XCTAssertEqual(Set(p.runs.map(\.id)).count, 6)
    }

    func testThreadsIsNotASpecKey() {
        XCTAssertThrowsError(try plan("train:\n  threads: 8\n")) { e in
            XCTAssertEqual("\(e)", "s.yaml:9:12: train.threads is not a spec key: it is set per machine with --threads or CSIT_THREADS")
        }
    }

    func testPlannedConfigurationsAreValidated() {
        XCTAssertThrowsError(try plan("model:\n  heads: 5\n")) { e in
            XCTAssertTrue("\(e)".contains("not divisible by 5 attention heads"), "\(e)")
        }
    }

    func testSettingErrorsNameTheSourceLine() {
        XCTAssertThrowsError(try plan("model:\n  preset: cct-14-7x2\n")) { e in
            XCTAssertTrue("\(e)".hasPrefix("s.yaml:9:11: model.preset = cct-14-7x2: expected one of csit-compact"), "\(e)")
        }
    }
}

final class PaperSpecTests: XCTestCase {
    /// The committed specs validate, and the paper specs share one SSL pretraining.
    func testCommittedSpecsValidateAndSharePretraining() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments")
        var sslIDs = Set<String>()
        for name in ["ssl-pretrain", "nct", "breakhis", "breakhis-patient", "breakhis-zoom", "semi-supervised"] {
            let spec = try ExperimentSpec.load(dir.appendingPathComponent("\(name).yaml").path, environment: ["CSIT_DATA": "/data"],
                                               checkPaths: false)
            XCTAssertEqual(spec.resultsDir.path.hasSuffix("results/paper"), true)
            let plan = try Plan.make(spec)
            sslIDs.formUnion(plan.sslRuns.filter { $0.config.seed == 0 }.map(\.id))
        }
        XCTAssertEqual(sslIDs.count, 1, "one SSL pretraining serves every paper spec")
        XCTAssertNoThrow(try ExperimentSpec.load(dir.appendingPathComponent("demo.yaml").path, environment: [:], checkPaths: false))
    }

    /// `make reproduce` runs every committed spec that writes to results/paper (it left out
    /// breakhis-patient.yaml), and only those.
    func testMakeReproduceRunsEveryPaperSpec() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("experiments")
        let paper = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.filter {
            try ExperimentSpec.load(dir.appendingPathComponent($0).path, environment: ["CSIT_DATA": "/data"], checkPaths: false)
                .resultsDir.path.hasSuffix("results/paper")
        }.map { String($0.dropLast(5)) }.filter { $0 != "ablation" }  // opt-in: 14 more pretrainings
        let makefile = try String(contentsOf: repo.appendingPathComponent("Makefile"), encoding: .utf8)
        let loop = try XCTUnwrap(makefile.components(separatedBy: "\n").first { $0.contains("for spec in") })
        let listed = loop.components(separatedBy: "for spec in ").last!.components(separatedBy: ";").first!.split(separator: " ").map(String.init)
        XCTAssertEqual(Set(listed), Set(paper))
        XCTAssertEqual(listed.first, "ssl-pretrain", "the shared pretraining first")
        XCTAssertEqual(listed.last, "ssl-methods", "the comparison table reads nct's and breakhis's runs, so it comes after them")
    }

    /// The ablation's all-three/uncertainty point is nct.yaml's pretraining and probes (the same
    /// ids), every other point pretrains anew; the comparison table plans nothing and reads the
    /// SSL+FT runs nct.yaml and breakhis.yaml plan; the demo ablation plans its 44 runs.
    func testAblationAndComparisonShareThePaperRuns() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments")
        func plan(_ name: String) throws -> Plan {
            try Plan.make(try ExperimentSpec.load(dir.appendingPathComponent("\(name).yaml").path, environment: ["CSIT_DATA": "/data"], checkPaths: false))
        }
        let nct = try plan("nct"), ablation = try plan("ablation"), breakhis = try plan("breakhis")
        XCTAssertEqual(ablation.sslRuns.count, 14)
        XCTAssertEqual(Set(ablation.sslRuns.map(\.id)).intersection(nct.sslRuns.map(\.id)).count, 1)
        for mode in [RunConfig.Mode.le, .sslft, .ft] {
            let shared = Set(nct.runs.filter { $0.config.mode == mode }.map(\.id)).intersection(ablation.runs.filter { $0.config.mode == mode }.map(\.id))
            XCTAssertEqual(shared.count, 1, "\(mode.rawValue): the ablation's default point is nct.yaml's run")
        }
        XCTAssertEqual(ablation.runs.filter { $0.config.mode == .randomLE }.count, 1, "one control serves every point")
        let comparison = try plan("ssl-methods")
        XCTAssertTrue(comparison.runs.isEmpty)
        XCTAssertEqual(comparison.sources["experiments/nct.yaml"]?.runs.map(\.id), nct.runs.map(\.id))
        XCTAssertEqual(comparison.sources["experiments/breakhis.yaml"]?.runs.map(\.id), breakhis.runs.map(\.id))
        let demo = try Plan.make(try ExperimentSpec.load(dir.appendingPathComponent("ablation-demo.yaml").path, environment: [:], checkPaths: false))
        XCTAssertEqual(demo.runs.count, 44)
    }
}
