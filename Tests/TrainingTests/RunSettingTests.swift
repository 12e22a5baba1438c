import XCTest
import CSiTKit
import Evaluation
import HistoData
import Training

/// The settings table is the one declaration of every run setting: these tests are generated
/// from it, so a setting added to the table is covered without a new test.
final class RunSettingTests: XCTestCase {
    /// A valid value of `setting` other than its current one in `s`.
    static func otherValue(_ setting: RunSetting, in s: RunSettings) -> String {
        let current = setting.text(in: s)
        let candidates: [String]
        switch setting.domain {
        case .integer(let r): candidates = [r.lowerBound, r.lowerBound + 1, r.upperBound].map(String.init)
        case .number(let r): candidates = [r.lowerBound, (r.lowerBound + r.upperBound) / 3, r.upperBound].map(\.settingText)
        case .flag: candidates = ["true", "false"]
        case .text, .path: candidates = ["elsewhere/a", "elsewhere/b"]
        case .choice(let v): candidates = v
        case .subset(let v): candidates = [v.joined(separator: ","), v[0]]
        }
        return candidates.first { c in
            c != current && (Double(c) == nil || Double(c) != current.flatMap(Double.init))
        }!
    }

    func testKeysAndFlagsAreUnique() {
        XCTAssertEqual(Set(RunSetting.keys).count, RunSetting.all.count)
        let flags = RunSetting.all.flatMap(\.flags)
        XCTAssertEqual(Set(flags).count, flags.count, "a flag names two settings")
        XCTAssertTrue(flags.allSatisfy { $0.hasPrefix("--") })
    }

    func testEveryPaperDefaultLiesInItsDomain() throws {
        for mode in RunConfig.Mode.allCases {
            let s = RunSettings.paper(mode)
            for setting in RunSetting.all {
                XCTAssertEqual(setting.text(in: s), setting.defaultText(for: mode), "\(setting.key) for \(mode)")
                if let t = setting.text(in: s) { XCTAssertTrue(setting.domain.contains(t), "\(setting.key) = \(t) for \(mode)") }
            }
        }
        // Declared once: R = 1024 is the MLP default and nobody else's.
        XCTAssertEqual(RunConfig.paper(.mlp).representationSize, 1024)
        XCTAssertNil(RunConfig.paper(.le).representationSize)
    }

    /// The random-init controls differ from the probes they control by the mode alone, and
    /// refuse a checkpoint (a pretrained backbone would not be a control).
    func testRandomInitControlsTakeTheirProbesDefaults() throws {
        for (control, probe) in [(RunConfig.Mode.randomLE, RunConfig.Mode.le), (.randomMLP, .mlp)] {
            var c = RunConfig.paper(control)
            XCTAssertEqual(c.mode, control)
            c.mode = probe
            XCTAssertEqual(c, RunConfig.paper(probe))
            XCTAssertFalse(control.needsSSLCheckpoint)
            XCTAssertTrue(control.freezesBackbone)
        }
        var c = RunConfig.paper(.randomLE)
        c.root = "data"
        XCTAssertNoThrow(try c.validate())
        c.initCheckpoint = "ssl.safetensors"
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("init_checkpoint"), "\($0)") }
    }

    /// Changing any identity setting changes the run id; changing an execution setting never does.
    func testIdentitySettingsAndOnlyThoseChangeTheRunID() throws {
        for mode in RunConfig.Mode.allCases {
            var plain = RunSettings.paper(mode)
            plain.config.root = "data"
            var slides = plain
            slides.config.dataset = .slides
            for setting in RunSetting.all where setting.key != "mode" {
                // The slide tiling is part of the id of slides runs only (tested in SlideSettingsTests).
                let base = setting.placement == .dataset ? slides : plain
                let id = try RunIdentity.id(base.config, dataSHA256: "d")
                var s = base
                try setting.apply(Self.otherValue(setting, in: s), to: &s)
                let changed = try RunIdentity.id(s.config, dataSHA256: "d")
                switch setting.role {
                case .identity: XCTAssertNotEqual(changed, id, "\(setting.key) is identity but does not change the id (\(mode))")
                case .execution: XCTAssertEqual(changed, id, "\(setting.key) is execution but changes the id (\(mode))")
                }
            }
            XCTAssertNotEqual(try RunIdentity.id(plain.config, dataSHA256: "e"), try RunIdentity.id(plain.config, dataSHA256: "d"),
                              "the data hash is part of the id")
        }
    }

    /// Every setting survives config.json (identity) or provenance (execution) and YAML text.
    func testEverySettingRoundTripsThroughJSONAndText() throws {
        for setting in RunSetting.all {
            var s = RunSettings.paper(.mlp)
            // The slide tiling is written for slides runs only.
            if setting.placement == .dataset { s.config.dataset = .slides }
            try setting.apply(Self.otherValue(setting, in: s), to: &s)
            let json = try JSONEncoder().encode(s)
            XCTAssertEqual(try JSONDecoder().decode(RunSettings.self, from: json), s, setting.key)
            var t = RunSettings.paper(.mlp)
            t.config.dataset = s.config.dataset
            try t.set(setting.key, try XCTUnwrap(setting.text(in: s)))
            XCTAssertEqual(t, s, setting.key)
            let config = try JSONDecoder().decode(RunConfig.self, from: JSONEncoder().encode(s.config))
            XCTAssertEqual(config, s.config, setting.key)
        }
        let configKeys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(RunConfig.paper(.ft))) as! [String: Any]
        let execution = Set(RunSetting.all.filter { $0.role == .execution }.map(\.key))
        XCTAssertTrue(execution.isDisjoint(with: configKeys.keys), "config.json holds execution settings")
    }

    /// The SSL pretext-task settings came after runs existed: at their defaults they stay out
    /// of the run id (results made before keep their ids and stay done); set otherwise they
    /// enter it, and only an SSL run may set them.
    func testSSLTaskSettingsKeepOldIDsAtTheirDefaults() throws {
        var c = RunConfig.paper(.ssl)
        c.root = "data"
        let keys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Any]
        XCTAssertNil(keys["tasks"], "a default enters the id")
        XCTAssertNil(keys["loss_weighting"], "a default enters the id")
        let id = try RunIdentity.id(c, dataSHA256: "d")
        var rotation = c
        rotation.sslTasks = try XCTUnwrap(SSLTaskSet([.rotation]))
        var equal = c
        equal.lossWeighting = .equal
        let ids = [id, try RunIdentity.id(rotation, dataSHA256: "d"), try RunIdentity.id(equal, dataSHA256: "d")]
        XCTAssertEqual(Set(ids).count, 3)
        // config.json shows them for the SSL run, which people read; a downstream run has none.
        let file = JSONEncoder()
        file.userInfo[RunConfig.configFileKey] = true
        let sslFile = try JSONSerialization.jsonObject(with: file.encode(c)) as! [String: Any]
        XCTAssertEqual(sslFile["tasks"] as? String, "rotation,contrastive,reconstruction")
        XCTAssertEqual(sslFile["loss_weighting"] as? String, "uncertainty")
        var ft = RunConfig.paper(.ft)
        ft.root = "data"
        XCTAssertNil((try JSONSerialization.jsonObject(with: file.encode(ft)) as! [String: Any])["tasks"])
        ft.sslTasks = rotation.sslTasks
        XCTAssertThrowsError(try ft.validate()) { e in
            XCTAssertEqual("\(e)", "tasks = rotation: expected all three: pretext tasks apply to mode ssl only")
        }
    }

    func testValuesOutsideTheDomainAreRejectedWithTheKey() {
        for setting in RunSetting.all {
            let bad: String
            switch setting.domain {
            case .integer(let r): bad = String(r.upperBound + 1)
            case .number(let r): bad = (r.upperBound * 2 + 1).settingText
            case .flag: bad = "yes"
            case .choice: bad = "no-such-choice"
            case .subset(let v): bad = v[0] + "," + v[0]
            case .text, .path: continue
            }
            var s = RunSettings.paper(.ft)
            XCTAssertThrowsError(try setting.apply(bad, to: &s), setting.key) { e in
                XCTAssertEqual((e as? SettingError)?.key, setting.key)
            }
            XCTAssertThrowsError(try JSONDecoder().decode(RunSettings.self, from: Data("{\"\(setting.key)\": \"\(bad)\"}".utf8)))
        }
    }

    func testPatchAppliesInOrderAndModePicksTheDefaults() throws {
        var p = SettingsPatch()
        p.append("epochs", "3", source: "a")
        p.append("mode", "mlp", source: "a")
        p.append("epochs", "4", source: "b")
        let s = try p.resolve()
        XCTAssertEqual(s.config.mode, .mlp)
        XCTAssertEqual(s.config.epochs, 4, "the later entry wins")
        XCTAssertEqual(s.config.lr, 1e-3, "mlp's paper lr")
        p.append("batch_size", "0", source: "--batch-size")
        XCTAssertThrowsError(try p.resolve()) { e in
            XCTAssertEqual("\(e)", "--batch-size: batch_size = 0: expected an integer in 1…100000")
        }
    }

    /// The CCT reference architecture is not trainable: a clear error, not a mislabelled cSiT.
    func testOnlyTrainablePresetsAreAccepted() {
        var s = RunSettings.paper(.ft)
        XCTAssertThrowsError(try s.set("preset", "cct-14-7x2")) { e in
            XCTAssertEqual("\(e)", "preset = cct-14-7x2: expected one of csit-compact, csit-small, csit-tiny")
        }
        var c = RunConfig.paper(.ft)
        c.root = "x"
        c.preset = "cct-14-7x2"
        XCTAssertThrowsError(try c.validate())
    }

    func testModelOverridesReachTheArchitecture() throws {
        var c = RunConfig.paper(.ft)
        (c.preset, c.depth, c.dim, c.heads, c.mlpRatio) = ("csit-tiny", 3, 96, 3, 4)
        let m = try c.modelConfig()
        XCTAssertEqual([m.depth, m.dim, m.heads, m.mlpRatio], [3, 96, 3, 4])
        c.heads = 5
        c.root = "x"
        XCTAssertThrowsError(try c.validate()) { e in XCTAssertTrue("\(e)".contains("divisible"), "\(e)") }
    }

    /// The generated settings table in experiments/README.md is the table's own rendering.
    func testExperimentsReadmeHoldsTheGeneratedTable() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: repo.appendingPathComponent("experiments/README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains(RunSetting.markdownTable),
                      "experiments/README.md's settings table is stale: paste the output of `csit settings`")
    }
}
