import Foundation
import TensorKit

/// `csit train --extend`: continuing a run folder written with fewer epochs.
extension Trainer {
    /// The id of this folder's run at its previous length, for `--extend`.
    ///
    /// - Throws: `TrainingError.cannotExtend` when the folder holds no run, a run that differs
    ///   in more than its epochs, or one at least as long.
    func previousRunID(data: RunData) throws -> (id: String, epochs: Int) {
        let url = runDir.appendingPathComponent("config.json")
        guard let bytes = try? Data(contentsOf: url), let old = try? JSONDecoder().decode(RunConfig.self, from: bytes) else {
            throw TrainingError.cannotExtend(runDir.path, reason: "no config.json of an earlier run")
        }
        var same = old
        same.epochs = config.epochs
        guard same == config else {
            let a = RunSettings(config: old, execution: execution), b = RunSettings(config: config, execution: execution)
            let differ = RunSetting.all.filter { $0.role == .identity && $0.key != "epochs" && $0.text(in: a) != $0.text(in: b) }.map(\.key)
            throw TrainingError.cannotExtend(runDir.path, reason: "it differs in more than epochs (\(differ.joined(separator: ", ")))")
        }
        guard config.epochs > old.epochs else {
            throw TrainingError.cannotExtend(runDir.path, reason: "--epochs \(config.epochs) is not more than its \(old.epochs)")
        }
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw TrainingError.cannotExtend(runDir.path, reason: "no checkpoint.safetensors to continue from")
        }
        return (try RunIdentity.id(old, dataSHA256: data.contentHash), old.epochs)
    }

    /// Records an extension once the checkpoint was accepted: an extended run is not the
    /// fresh run of its new length (another schedule).
    func recordExtension(from previous: (id: String, epochs: Int)) throws {
        let note = try JSONSerialization.data(withJSONObject: ["from_epochs": previous.epochs, "from_run_id": previous.id,
                                                               "to_epochs": config.epochs], options: [.sortedKeys])
        try AtomicFile.write(note, to: runDir.appendingPathComponent(Self.extendedFile))
    }

    /// Written by `--extend`: the length and id the run had before.
    static let extendedFile = "extended.json"

    /// The epochs the run had before an `--extend`, if it was extended.
    var extendedFromEpochs: Int? {
        guard let data = try? Data(contentsOf: runDir.appendingPathComponent(Self.extendedFile)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["from_epochs"] as? Int
    }
}
