import ArgumentParser
import Collectives
import Experiments
import Foundation
import TensorKit
import Training
import Yams

/// `csit train`: one run from flags and/or a small YAML file. Its setting flags, their
/// parsing, validation and help all come from the settings table (`RunSetting.all`).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one run: SSL pretraining, fine-tuning, linear or MLP evaluation, or SSL+FT.",
        discussion: """
        Settings come from the mode's paper defaults, then --config (YAML with the keys of config.json), \
        then flags, later ones winning. Flags are the settings' keys with dashes, as in every other \
        subcommand; the published main.py names (--model, --input-size, --data-path, --finetune, \
        --smoothing, --reprob, --drop-path, --num-workers) are accepted too. Re-running with the same \
        --output resumes at the step after the last checkpoint.

        Checkpoints are written at every epoch's end, every --checkpoint-minutes inside an epoch \
        (default 10; 0: only at epoch ends and on signals) and on SIGTERM, SIGUSR1 or SIGINT: the \
        run finishes its current step, writes the checkpoint and exits 75 (EX_TEMPFAIL); the same \
        command then continues at the next step and ends bit for bit as if never stopped. A kill -9 \
        loses at most --checkpoint-minutes of work.

        Example:
          csit train --mode ft --dataset nct --data NCT-CRC-HE-100K --test-root CRC-VAL-HE-7K \\
              --preset csit-compact --image-size 224 --output runs/nct-ft

        RUN SETTINGS (--flag VALUE or --flag=VALUE; `none` unsets an optional one):
        \(SettingsHelp.text)
        """)

    @Option(help: "YAML file with run settings (the keys of config.json).") var config: String?
    @Option(help: "Run folder (checkpoints, logs, metrics, report).") var output: String
    @Flag(help: "Train a finished (or interrupted) run folder for more epochs: --epochs larger than its, everything else the same.")
    var extend = false
    @Argument(parsing: .allUnrecognized, help: .hidden) var settingArguments: [String] = []

    /// The settings this invocation resolves to: paper defaults of its mode, then the YAML
    /// file, then the flags; threads fall back to CSIT_THREADS, then every core.
    func resolve() throws -> RunSettings {
        var patch = SettingsPatch()
        if let config { patch.entries += try RunSettingsFile.load(config).entries }
        patch.entries += try SettingFlags.parse(settingArguments).entries
        do { return try patch.resolve() } catch let e as PatchError { throw ValidationError(e.description) }
    }

    func run() throws {
        var s = try resolve()
        do { try s.config.validate() } catch let e as RunConfigError { throw ValidationError(e.description) }
        Parallel.configure(threads: World.threads(requested: s.execution.threads))
        s.execution.threads = Parallel.threadCount
        let runDir = URL(fileURLWithPath: output)
        let trainer = Trainer(config: s.config, execution: s.execution, runDir: runDir, reporter: RankFailure.reporter())
        trainer.extend = extend
        StopSignals.install()
        trainer.stopSignal = StopSignals.received
        var result: RunResult?
        try RankFailure.guarding { result = try trainer.run() }
        guard let result else { return }
        // The reporter said where it stopped; the status tells scripts to run it again.
        if result.stopped != nil { throw ExitCode(preemptedExitStatus) }
        guard World.current.isRoot else { return }
        if !result.interrupted {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try e.encode(Provenance.collect(config: s.config, execution: s.execution, runDir: runDir)),
                                 to: runDir.appendingPathComponent("provenance.json"))
        }
        if let m = result.metrics { print(m.markdown, terminator: "") }
        // Only what this run wrote (an SSL run has no metrics.json, a run without test images neither).
        let written = ["report.md", "metrics.json", "predictions.csv", "reconstruction.png", "model.safetensors"].filter {
            FileManager.default.fileExists(atPath: URL(fileURLWithPath: output).appendingPathComponent($0).path)
        }
        print("run folder: \(output) (\(written.joined(separator: ", ")))")
    }
}

/// Command-line flags of the run settings, from the settings table.
enum SettingFlags {
    /// Parses `--flag value`, `--flag=value` and, for true/false settings, a bare `--flag`.
    ///
    /// - Throws: `ValidationError` naming an unknown flag (with a suggestion) or a missing value.
    static func parse(_ args: [String]) throws -> SettingsPatch {
        let byFlag = Dictionary(uniqueKeysWithValues: RunSetting.all.flatMap { s in s.flags.map { ($0, s) } })
        var patch = SettingsPatch()
        var i = 0
        while i < args.count {
            let arg = args[i]
            let (flag, inline) = arg.split(separator: "=", maxSplits: 1).map(String.init).splitPair
            guard flag.hasPrefix("--"), let setting = byFlag[flag] else {
                let hint = Array(byFlag.keys).closest(to: flag).map { " (did you mean '\($0)'?)" } ?? ""
                throw ValidationError(flag.hasPrefix("-") ? "unknown option '\(flag)'\(hint)" : "unexpected argument '\(arg)'")
            }
            if let inline {
                patch.append(setting.key, inline, source: flag)
            } else if setting.domain == .flag && (i + 1 == args.count || args[i + 1].hasPrefix("--")) {
                patch.append(setting.key, "true", source: flag)
            } else {
                guard i + 1 < args.count else { throw ValidationError("\(flag) needs a value: \(setting.domain.expected)") }
                i += 1
                patch.append(setting.key, args[i], source: flag)
            }
            i += 1
        }
        return patch
    }
}

private extension Array where Element == String {
    var splitPair: (String, String?) { (self[0], count > 1 ? self[1] : nil) }
}

/// The help lines of the run-setting flags.
enum SettingsHelp {
    static var text: String {
        RunSetting.all.map { s in
            let names = s.flag
            let def = s.defaultText(for: .ft).map { " (default: \($0))" } ?? ""
            return "  \(names) <\(s.domain.placeholder)>\n        \(s.help)\(def)"
        }.joined(separator: "\n")
    }
}

extension SettingDomain {
    /// The value placeholder in help.
    var placeholder: String {
        switch self {
        case .integer: return "n"
        case .number: return "x"
        case .flag: return "true|false"
        case .text: return "text"
        case .path: return "path"
        case .choice(let v): return v.joined(separator: "|")
        case .subset(let v): return v.joined(separator: ",")
        }
    }
}

/// Reading run settings from YAML with clear errors.
enum RunSettingsFile {
    /// The file's settings as a patch, in file order.
    ///
    /// - Throws: `ValidationError` naming the file and the key.
    static func load(_ path: String) throws -> SettingsPatch {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) }
        catch { throw ValidationError("\(path): cannot read the file") }
        let node: Node?
        do { try SpecLimits.check(text, file: path) } catch let e as SpecError { throw ValidationError(e.description) }
        do { node = try Yams.compose(yaml: text) } catch { throw ValidationError("\(path): YAML syntax error: \(error)") }
        guard let mapping = node?.mapping else { throw ValidationError("\(path): expected a mapping of run settings") }
        var patch = SettingsPatch()
        for (k, v) in mapping {
            guard let key = k.string, RunSetting.named(key) != nil else {
                let key = k.string ?? "\(k)"
                throw ValidationError(RunConfigError.unknownKey(key, file: path, suggestion: RunSetting.keys.closest(to: key)).description)
            }
            let line = (k.mark?.line).map { ":\($0)" } ?? ""
            if v.tag.description.hasSuffix(":null") { patch.append(key, "null", source: "\(path)\(line)"); continue }
            guard let scalar = v.scalar?.string else { throw ValidationError("\(path)\(line): \(key): expected a single value") }
            patch.append(key, scalar, source: "\(path)\(line)")
        }
        return patch
    }
}
