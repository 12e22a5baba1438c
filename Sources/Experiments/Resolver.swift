import Foundation
import HistoData
import Training

/// Turns a validated spec tree into run settings through the settings table: paper defaults
/// for the mode, then `model`, then dataset and protocol, then `train` (common), then
/// `train.<mode>` (or the `ssl` block for pretraining; a control takes its probe's block
/// first: `train.le`, then `train.random-le`), then the planner's coordinates.
enum Resolver {
    /// One spec value as a patch entry, sourced at its line and key path.
    static func entry(_ key: String, _ value: SpecValue, path: String) throws -> SettingsPatch.Entry {
        // A list setting (`ssl.tasks: [rotation, contrastive]`) is written as its items joined by commas.
        if case .subset? = RunSetting.named(key)?.domain, case .sequence(let items, _) = value {
            let texts = items.compactMap(\.scalarString)
            guard texts.count == items.count else { throw SpecError.type(value.location, path: path, expected: "a list of words") }
            return SettingsPatch.Entry(key: key, value: texts.joined(separator: ","), source: "\(value.location) \(path)")
        }
        guard let text = value.scalarString else {
            throw SpecError.type(value.location, path: path, expected: "a single value")
        }
        return SettingsPatch.Entry(key: key, value: text, source: "\(value.location) \(path)")
    }

    /// The entries of a block of settings (`train`, `train.ft`, `ssl`: settings placed in
    /// `.train`; `model`: those placed in `.model`); nested blocks and other keys
    /// (`ssl.dataset`, `ssl.checkpoint`) are not settings.
    static func block(_ tree: SpecValue, _ path: [String], placed placement: RunSetting.Placement = .train) throws -> [SettingsPatch.Entry] {
        guard let b = tree.value(at: path) else { return [] }
        return try b.pairs.filter { RunSetting.named($0.key)?.placement == placement }
            .map { try entry($0.key, $0.value, path: (path + [$0.key]).joined(separator: ".")) }
    }

    /// Applies a patch, turning a setting that does not fit into a located spec error.
    static func resolve(_ patch: SettingsPatch, mode: RunConfig.Mode) throws -> RunSettings {
        var s = RunSettings.paper(mode)
        for e in patch.entries {
            do { try s.set(e.key, e.value) } catch let err as SettingError {
                throw SpecError.setting(e.source, err.description)
            }
        }
        return s
    }

    static func sslSettings(_ tree: SpecValue, seed: UInt64) throws -> RunSettings {
        var p = SettingsPatch(try block(tree, ["model"], placed: .model))
        if let d = tree.value(at: ["ssl", "dataset"]) {
            if let k = d["kind"] { p.entries.append(try entry("dataset", k, path: "ssl.dataset.kind")) }
            if let r = d["root"] { p.entries.append(try entry("root", r, path: "ssl.dataset.root")) }
            p.entries += try block(tree, ["ssl", "dataset"], placed: .dataset)
        } else if let r = tree.value(at: ["dataset", "root"]) {
            // Whole slides pretrain as slides (tiled as the dataset block says); any other
            // layout pretrains as its unlabeled images.
            if let k = tree.value(at: ["dataset", "kind"]), k.scalarString == DatasetKind.slides.rawValue {
                p.entries.append(try entry("dataset", k, path: "dataset.kind"))
            }
            p.entries.append(try entry("root", r, path: "dataset.root"))
            p.entries += try block(tree, ["dataset"], placed: .dataset)
        }
        p.entries += try block(tree, ["ssl"]) + block(tree, ["ssl"], placed: .ssl)
        p.append("seed", String(seed), source: "protocol.seeds")
        return try resolve(p, mode: .ssl)
    }

    static func downstreamSettings(_ tree: SpecValue, mode: RunConfig.Mode, seed: UInt64, fold: Int?, zoom: String?,
                                   labelFraction: Double) throws -> RunSettings {
        var p = SettingsPatch(try block(tree, ["model"], placed: .model))
        for (specKey, key) in [("kind", "dataset"), ("root", "root"), ("task", "task"), ("test_root", "test_root")] {
            if let v = tree.value(at: ["dataset", specKey]) { p.entries.append(try entry(key, v, path: "dataset.\(specKey)")) }
        }
        p.entries += try block(tree, ["dataset"], placed: .dataset)
        for (specKey, key) in [("folds", "folds"), ("test_fraction", "test_fraction"), ("split_seed", "split_seed"),
                               ("validation", "validation")] {
            if let v = tree.value(at: ["protocol", specKey]) { p.entries.append(try entry(key, v, path: "protocol.\(specKey)")) }
        }
        if let g = tree.value(at: ["protocol", "group_by"]) {
            p.append("group_by_patient", g.scalarString == "patient" ? "true" : "false", source: "\(g.location) protocol.group_by")
        }
        p.entries += try block(tree, ["train"])
        if mode.settingsBase != mode { p.entries += try block(tree, ["train", mode.settingsBase.rawValue]) }
        p.entries += try block(tree, ["train", mode.rawValue])
        if let fold { p.append("fold", String(fold), source: "protocol.run_folds") }
        if let zoom { p.append("zoom", zoom, source: "protocol.zooms") }
        p.append("label_fraction", labelFraction.settingText, source: "protocol.label_fractions")
        p.append("seed", String(seed), source: "protocol.seeds")
        return try resolve(p, mode: mode)
    }
}
